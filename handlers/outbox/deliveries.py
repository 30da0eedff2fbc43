"""What each outbox message does once its transaction committed: a public reply on X, a ticket, a line in a
card's thread, a direct message. Each records its outcome on the complaint, so the card can show it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from handlers.dispatch.fan_out import send
from handlers.domain.complaint import SYSTEM, AuditEvent, Complaint, Delivery, IncomingComplaint, Message, MessageKind
from handlers.domain.outbox_kinds import (
    URGENT_RANK,
    CardUpdate,
    DirectMessage,
    SocialReply,
    StatusPost,
    ThreadLine,
    TicketCreate,
)
from handlers.intake.ticket_additions import comment, is_private, said_in
from handlers.ports.clock import Clock
from handlers.ports.gateways import (
    OURS,
    Deferred,
    DeliveryFailed,
    PostedReply,
    SocialGateway,
    TicketGateway,
    TicketRequest,
)
from handlers.ports.outbox import NewOutboxMessage, OutboxMessage
from handlers.ports.surfaces import Faces
from handlers.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

After = Callable[[UnitOfWork], Sequence[NewOutboxMessage]]  # more to queue with an outcome, in its transaction


class Deliveries:
    """Carries out replies, tickets, thread lines and direct messages, recording each outcome."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        faces: Faces,
        social: Mapping[str, SocialGateway] | None = None,
        tickets: TicketGateway | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._faces = faces
        self._social = dict(social or {})  # by source: "x", "bsky", "mastodon"
        self._tickets = tickets

    def _complaint(self, message: OutboxMessage) -> Complaint | None:
        if message.complaint_id is None:
            return None
        with self._uow() as uow:
            return uow.complaints.get(message.complaint_id)

    def _record(self, complaint: Complaint, what: str, *, after: After | None = None, **changes: object) -> None:
        """Save a reply's or ticket's outcome and refresh the card (a key per outcome, never swallowed); `after`: what
        else to queue in the same transaction, once the outcome is written."""
        with self._uow() as uow:
            if what == "reply" and complaint.reply is not None:
                reply = replace(complaint.reply, **changes)  # type: ignore[arg-type]
                uow.complaints.record_reply(complaint.id, reply)
                tag = f"reply:{reply.status}:{reply.post_id or reply.error or ''}"[:100]
            elif what == "ticket" and complaint.ticket is not None:
                ticket = replace(complaint.ticket, **changes)  # type: ignore[arg-type]
                uow.complaints.record_ticket(complaint.id, ticket)
                tag = f"ticket:{ticket.status}:{ticket.number or ticket.error or ''}"[:100]
            else:
                return
            key = f"card.update:{complaint.id}:v{complaint.version}:{tag}"
            update = NewOutboxMessage(CardUpdate(), key, complaint.id, URGENT_RANK)
            send(uow, [update, *(after(uow) if after is not None else [])], {complaint.id: complaint.cards})
            uow.commit()

    def reply(self, message: OutboxMessage, body: SocialReply) -> None:
        """Post the public reply on the complaint's network, unless an earlier attempt already did; record the link
        or the network's refusal."""
        complaint = self._complaint(message)
        if complaint is None or complaint.reply is None or complaint.reply.status is not Delivery.PENDING:
            return
        social = self._social.get(complaint.source)
        if social is None:
            why = f"Replies on {complaint.source} are not configured here: ask whoever runs Squeaky."
            self._record(complaint, "reply", status=Delivery.FAILED, error=why)
            return
        text = complaint.reply.text
        since = complaint.acknowledged_at or complaint.received_at  # when the reply was decided
        try:
            posted = social.find_reply(complaint, since) if message.attempts > 1 else None
            posted = posted or social.reply(complaint, text, since)
        except DeliveryFailed as exc:
            if exc.permanent or (exc.counts and message.last_chance):
                self._record(complaint, "reply", status=Delivery.FAILED, error=exc.reason)
                return
            self._record(complaint, "reply", error=exc.reason)  # the card says it is pending, and why
            raise
        self._record(complaint, "reply", status=Delivery.SENT, post_id=posted.post_id, url=posted.url, error=None)
        self._remember_our_reply(complaint, posted, text)

    def status_post(self, message: OutboxMessage, body: StatusPost) -> None:
        """Post an incident's status update from the brand account (once: a repeat is the network's to refuse)."""
        social = self._social.get(body.source)
        if social is None:
            why = (
                "X posts are not configured (X_API_KEY…)"
                if body.source == "x"
                else f"{body.source} posts are not set up"
            )
            raise DeliveryFailed(why, permanent=True)
        posted = social.post(body.text)
        with self._uow() as uow:
            detail = {"text": body.text[:300], "url": posted.url if posted else "already out"}
            uow.audit.record(AuditEvent(None, SYSTEM, "incident:status-post", None, None, self._clock.now(), detail))
            uow.commit()

    def _remember_our_reply(self, complaint: Complaint, posted: PostedReply, text: str) -> None:
        """Store our reply on the case: tickets carry it, and a customer answering it threads onto this case."""
        ours = IncomingComplaint(
            source=complaint.source,
            external_id=posted.post_id,
            author_id=OURS,
            author_handle=OURS,
            author_name=OURS,
            text=text,
            created_at=self._clock.now(),
            url=posted.url,
            in_reply_to_id=complaint.external_id,
            from_brand=True,
        )
        with self._uow() as uow:
            if not uow.messages.known(complaint.source, {posted.post_id}):
                uow.messages.add_many([Message(ours, MessageKind.BRAND, self._clock.now(), complaint.id, "our reply")])
                uow.commit()

    def ticket(self, message: OutboxMessage, body: TicketCreate) -> None:
        """Create the ticket with the whole conversation and a link back to the card; record its number."""
        complaint = self._complaint(message)
        if complaint is None or complaint.ticket is None or complaint.ticket.status is not Delivery.PENDING:
            return
        if self._tickets is None:
            self._record(complaint, "ticket", status=Delivery.FAILED, error="no ticketing system is configured")
            return
        with self._uow() as uow:  # the conversation as it stands on the first try; a retry sends the same
            conversation = [said_in(m) for m in uow.messages.carry(complaint.id, message.key)]
            uow.commit()
        request = TicketRequest(
            complaint_id=complaint.id,
            key=message.key,
            subject=complaint.ticket.subject,
            priority=body.priority,
            notes=body.notes,
            contact=body.contact,
            customer_handle=complaint.author_handle,
            customer_name=complaint.author_name,
            source=complaint.source,
            post_url=complaint.url,
            card_url=self.card_link(complaint),
            conversation=conversation,
        )
        try:
            created = self._tickets.create(request)
        except DeliveryFailed as exc:
            if exc.permanent or (exc.counts and message.last_chance):
                self._record(complaint, "ticket", status=Delivery.FAILED, error=exc.reason)
                return
            self._record(complaint, "ticket", error=f"retrying: {exc.reason}")  # the card says it is pending, and why
            raise

        def since(uow: UnitOfWork) -> list[NewOutboxMessage]:  # after the ticket's row is written: nothing slips by
            return [comment(m) for m in uow.messages.not_carried(complaint.id, message.key) if is_private(m)]

        number, url = created.number, created.url
        self._record(complaint, "ticket", after=since, status=Delivery.SENT, number=number, url=url, error=None)

    def card_link(self, complaint: Complaint) -> str | None:
        """A link to the complaint's card: on the first surface that gives one."""
        for card in complaint.cards:
            face = self._faces.get(card.surface)
            link = face.cards.permalink(card) if face is not None else None
            if link:
                return link
        return None

    def activity(self, message: OutboxMessage, body: ThreadLine) -> None:
        """Post a line of the card's history in its thread on one surface (after the card itself is out there)."""
        complaint = self._complaint(message)
        surface = body.surface
        face = self._faces.get(surface)
        if complaint is None or face is None:
            return
        card = complaint.card_on(surface)
        if card is None:
            raise Deferred("waiting for the card to be posted")
        face.cards.post_activity(card, body.line)

    def direct_message(self, message: OutboxMessage, body: DirectMessage) -> None:
        """Send a person a direct message on one surface (where they have an id), with the card's link there."""
        surface = body.surface
        face = self._faces.get(surface)
        with self._uow() as uow:
            person = uow.people.get_many([body.user]).get(body.user)
        handle = person.handles.get(surface) if person is not None else None
        if face is None or handle is None:
            return  # they are not on this surface: the message reaches them on the others
        complaint = self._complaint(message)
        card = complaint.card_on(surface) if complaint is not None else None
        face.notifier.notify(handle, body.text, card)
