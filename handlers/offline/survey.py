"""Closing a case asks its customer one question, privately, where a private conversation with them is open: how
did we do, from 1 to 5. Never publicly, never twice for a case, never to a customer who answered "stop"."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.cases import transitions
from handlers.cases.agent_desk import ActionRequest
from handlers.cases.errors import ComplaintNotFound
from handlers.cases.reply_templates import ReplyTemplate
from handlers.domain.complaint import Action, Complaint, Delivery
from handlers.domain.outbox_kinds import PrivateMessage
from handlers.ports.clock import Clock
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWorkFactory

DEFAULT_SURVEY = ReplyTemplate(
    "satisfaction",
    "Case #{case} is closed. How did we do, from 1 (poor) to 5 (great)? Just answer with the number. "
    "Answer STOP and we won't message you here again.",
)


def may_ask(complaint: Complaint) -> bool:
    """Whether the case has a private conversation to ask in (a hand-off that went out)."""
    return complaint.private is not None and complaint.private.status is Delivery.SENT


@dataclass(frozen=True)
class Closing:
    """Closes a case; the outbox asks the satisfaction question where it may."""

    uow_factory: UnitOfWorkFactory
    clock: Clock

    def close(self, request: ActionRequest) -> Complaint:
        """Close the case, with the question queued when it has a private conversation and no stop."""
        with self.uow_factory() as uow:
            complaint = uow.complaints.get(request.complaint_id)
            if complaint is None:
                raise ComplaintNotFound(request.complaint_id)
            stopped = uow.surveys.stopped(complaint.source, complaint.author_handle)

        def effects(updated: Complaint) -> list[NewOutboxMessage]:
            if stopped or not may_ask(updated):
                return []
            ask = PrivateMessage(source=updated.source, survey=True)
            return [NewOutboxMessage(ask, PrivateMessage.survey_key(updated.id), updated.id)]

        return transitions.apply(self.uow_factory, self.clock, complaint.id, Action.CLOSE, request.who, effects=effects)
