"""The private hand-off once decided: sent on the customer's network through its private channel, never twice, its
outcome (the conversation, or the network's refusal in its own words) recorded on the case and shown on the card."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from handlers.cases.reply_templates import ReplyTemplate, render
from handlers.dispatch.fan_out import send
from handlers.domain.activity import ActivityLine
from handlers.domain.complaint import (
    SYSTEM,
    Complaint,
    Delivery,
    IncomingComplaint,
    Message,
    MessageKind,
    PrivateHandoff,
)
from handlers.domain.outbox_kinds import URGENT_RANK, CardUpdate, PrivateMessage, ThreadLine
from handlers.intake.follow_ups import PRIVATE_NOTE
from handlers.intake.ticket_additions import additions
from handlers.offline.survey import DEFAULT_SURVEY, may_ask
from handlers.ports.clock import Clock
from handlers.ports.gateways import OURS, DeliveryFailed
from handlers.ports.outbox import NewOutboxMessage, OutboxMessage
from handlers.ports.private import PrivateGateway, PrivateSent
from handlers.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)
STOPPED = "The customer answered STOP: Squeaky never messages them privately again"


def private_id(message_id: str) -> str:
    """A private message's id among the network's stored posts (never mistaken for a public post's)."""
    return f"dm:{message_id}"


class PrivateDeliveries:
    """Sends private hand-offs through each network's private channel, recording each outcome."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        gateways: Mapping[str, PrivateGateway] | None = None,
        survey: ReplyTemplate = DEFAULT_SURVEY,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._gateways = dict(gateways or {})  # by source: "x", "bsky", "mastodon"
        self._survey = survey

    def send(self, message: OutboxMessage, body: PrivateMessage) -> None:
        """Send the case's private hand-off, unless an earlier try already did; record the conversation, or the
        network's refusal (permanent: the card shows it and offers the public reply again)."""
        with self._uow() as uow:
            complaint = uow.complaints.get(message.complaint_id) if message.complaint_id is not None else None
            stopped = complaint is not None and uow.surveys.stopped(complaint.source, complaint.author_handle)
        if body.survey:
            if complaint is not None and not stopped and may_ask(complaint):
                self._ask(message, complaint)
            return
        if body.text:
            if complaint is not None:
                self._answer(message, complaint, body.text, STOPPED if stopped else None)
            return
        if complaint is None or complaint.private is None or complaint.private.status is not Delivery.PENDING:
            return
        gateway = self._gateways.get(complaint.source)
        if gateway is None or stopped:
            why = (
                STOPPED
                if stopped
                else f"Private messages on {complaint.source} are not configured here: ask whoever runs Squeaky."
            )
            self._record(complaint, status=Delivery.FAILED, error=why)
            return
        try:
            sent = gateway.send_private(complaint, complaint.private.text, message.key, again=message.attempts > 1)
        except DeliveryFailed as exc:
            if exc.permanent or (exc.counts and message.last_chance):
                self._record(complaint, status=Delivery.FAILED, error=exc.reason)
                return
            self._record(complaint, error=f"retrying: {exc.reason}")
            raise
        self._record(
            complaint,
            status=Delivery.SENT,
            conversation_id=sent.conversation_id,
            message_id=sent.message_id,
            error=None,
        )
        self._remember(complaint, sent, complaint.private.text)

    def _ask(self, message: OutboxMessage, complaint: Complaint) -> None:
        """Ask the satisfaction question in the case's private conversation; a refusal is the end of it (asked
        once, never publicly instead); 429s and 5xx are retried as any message's are."""
        gateway = self._gateways.get(complaint.source)
        if gateway is None:
            return
        text = render(self._survey, complaint, "")
        try:
            sent = gateway.send_private(complaint, text, message.key, again=message.attempts > 1)
        except DeliveryFailed as exc:
            if exc.permanent:
                log.info("the satisfaction question for #%s was refused: %s", complaint.id, exc.reason)
                return
            raise
        with self._uow() as uow:
            uow.surveys.asked(complaint.id, self._clock.now())
            uow.commit()
        self._remember(complaint, sent, text)

    def _answer(self, message: OutboxMessage, complaint: Complaint, text: str, refused: str | None) -> None:
        """Send an agent's private answer in the case's conversation; a refusal (or a stop since) is said in the
        card's thread, with the words that were not sent, so nothing is lost; 429s and 5xx are retried."""
        gateway = self._gateways.get(complaint.source)
        if gateway is None and refused is None:
            refused = f"Private messages on {complaint.source} are not configured here: ask whoever runs Squeaky."
        if gateway is not None and refused is None:
            try:
                sent = gateway.send_private(complaint, text, message.key, again=message.attempts > 1)
            except DeliveryFailed as exc:
                if not (exc.permanent or (exc.counts and message.last_chance)):
                    raise
                refused = exc.reason
            else:
                self._remember(complaint, sent, text)
                return
        why = (refused or "refused").rstrip(".")
        line = ActivityLine(SYSTEM, f"could not send the private answer: {why}. It said: {text}")
        with self._uow() as uow:
            note = NewOutboxMessage(ThreadLine(line=line), f"{message.key}:refused", complaint.id, URGENT_RANK)
            send(uow, [note], {complaint.id: complaint.cards})
            uow.commit()

    def _record(self, complaint: Complaint, **changes: object) -> None:
        """Save the outcome and refresh the card (a key per outcome)."""
        assert complaint.private is not None
        private: PrivateHandoff = replace(complaint.private, **changes)  # type: ignore[arg-type]
        if private == complaint.private:
            return
        with self._uow() as uow:
            uow.complaints.record_private(complaint.id, private)
            tag = f"private:{private.status}:{private.message_id or private.error or ''}"[:100]
            key = f"card.update:{complaint.id}:v{complaint.version}:{tag}"
            update = NewOutboxMessage(CardUpdate(), key, complaint.id, URGENT_RANK)
            send(uow, [update], {complaint.id: complaint.cards})
            uow.commit()

    def _remember(self, complaint: Complaint, sent: PrivateSent, text: str) -> None:
        """Keep our private message with the case, marked as private: a ticket made later carries it, and one out
        already gets it added."""
        ours = IncomingComplaint(
            source=complaint.source,
            external_id=private_id(sent.message_id),
            author_id=OURS,
            author_handle=OURS,
            author_name=OURS,
            text=text,
            created_at=self._clock.now(),
            conversation_id=sent.conversation_id,
            from_brand=True,
            visibility="direct",
        )
        stored = Message(ours, MessageKind.BRAND, self._clock.now(), complaint.id, PRIVATE_NOTE)
        with self._uow() as uow:
            if not uow.messages.known(complaint.source, {ours.external_id}):
                uow.messages.add_many([stored])
                send(uow, additions(uow, [stored]))  # its ticket's conversation too, where the case has one out
                uow.commit()
