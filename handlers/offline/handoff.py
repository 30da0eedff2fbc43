"""The private hand-off from the card ("Move to DMs"): the customer hears from the brand's account privately on their
network, starting from the team's template with the case number; the outbox sends it, once."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.cases import transitions
from handlers.cases.agent_desk import ActionRequest
from handlers.cases.errors import ComplaintNotFound, InvalidRequest
from handlers.cases.reply_templates import ReplyTemplate, render
from handlers.cases.sources import Sources
from handlers.domain.complaint import Action, Complaint
from handlers.domain.outbox_kinds import PrivateMessage
from handlers.ports.clock import Clock
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWorkFactory

DEFAULT_OPENING = ReplyTemplate(
    "private opening",
    "Hi {name}, this is the care team about case #{case}. We're sorry for the trouble: tell us here, privately, "
    "what happened and your booking reference, and we'll sort it out.",
)
MAX_PRIVATE_CHARACTERS = 1000  # the shortest of the networks' limits (Bluesky chat), whatever the network


@dataclass(frozen=True)
class Handoff:
    """Opens the private conversation for an agent's click, from the team's opening template."""

    uow_factory: UnitOfWorkFactory
    clock: Clock
    sources: Sources
    opening: ReplyTemplate = DEFAULT_OPENING
    dm_link: str = ""

    def text_for(self, complaint: Complaint) -> str:
        """The opening message for this complaint, filled in."""
        return render(self.opening, complaint, self.dm_link)

    def move_to_dms(self, request: ActionRequest) -> Complaint:
        """Decide the hand-off (its text from the request, else the template); the outbox sends it."""
        with self.uow_factory() as uow:
            complaint = uow.complaints.get(request.complaint_id)
            stopped = complaint is not None and uow.surveys.stopped(complaint.source, complaint.author_handle)
        if complaint is None:
            raise ComplaintNotFound(request.complaint_id)
        if stopped:
            raise InvalidRequest("This customer answered STOP: Squeaky never messages them privately again.")
        rules = self.sources.of(complaint.source)
        if not rules.private_channel:
            raise InvalidRequest(
                f"{rules.network} gives Squeaky no private channel to this customer: move it to a ticket instead."
            )
        text = (request.values.get("text") or "").strip() or self.text_for(complaint)
        if len(text) > MAX_PRIVATE_CHARACTERS:
            raise InvalidRequest(f"The private message is {len(text)} characters; the limit is 1000.")

        def effects(updated: Complaint) -> list[NewOutboxMessage]:
            message = PrivateMessage(source=updated.source)
            return [NewOutboxMessage(message, PrivateMessage.key(updated.id, updated.version), updated.id)]

        return transitions.apply(
            self.uow_factory,
            self.clock,
            complaint.id,
            Action.PRIVATE,
            request.who,
            effects=effects,
            detail={"text": text, "via": rules.private_channel},
            private_text=text,
        )

    def reply_privately(self, request: ActionRequest) -> Complaint:
        """An agent's answer in the private conversation the case opened; the outbox sends it there, once."""
        with self.uow_factory() as uow:
            complaint = uow.complaints.get(request.complaint_id)
            stopped = complaint is not None and uow.surveys.stopped(complaint.source, complaint.author_handle)
        if complaint is None:
            raise ComplaintNotFound(request.complaint_id)
        if stopped:
            raise InvalidRequest("This customer answered STOP: Squeaky never messages them privately again.")
        text = (request.values.get("text") or "").strip()
        if len(text) > MAX_PRIVATE_CHARACTERS:
            raise InvalidRequest(f"The private message is {len(text)} characters; the limit is 1000.")
        via = self.sources.of(complaint.source).private_channel

        def effects(updated: Complaint) -> list[NewOutboxMessage]:
            message = PrivateMessage(source=updated.source, text=text)
            return [NewOutboxMessage(message, PrivateMessage.reply_key(updated.id, updated.version), updated.id)]

        return transitions.apply(
            self.uow_factory,
            self.clock,
            complaint.id,
            Action.PRIVATE_REPLY,
            request.who,
            effects=effects,
            detail={"text": text, "via": via},
            private_text=text,
        )
