"""A private message added to its case's ticket, carried out by the outbox: through the ticketing system's own way
of adding to a ticket's conversation, once, retried on 429 and 5xx; a refusal is said in the card's thread with the
words that were not added, so nothing is lost."""

from __future__ import annotations

import logging

from handlers.dispatch.fan_out import send
from handlers.domain.activity import ActivityLine
from handlers.domain.complaint import SYSTEM, Delivery
from handlers.domain.outbox_kinds import URGENT_RANK, ThreadLine, TicketComment
from handlers.intake.ticket_additions import said_in
from handlers.ports.gateways import DeliveryFailed, TicketAddition, TicketGateway
from handlers.ports.outbox import NewOutboxMessage, OutboxMessage
from handlers.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


class TicketComments:
    """Adds each private message of a case to the ticket it has out in the system of record."""

    def __init__(self, uow_factory: UnitOfWorkFactory, tickets: TicketGateway | None) -> None:
        self._uow = uow_factory
        self._tickets = tickets

    def add(self, message: OutboxMessage, body: TicketComment) -> None:
        """Add the message to the case's ticket (one that is out); a refusal is said in the card's thread."""
        with self._uow() as uow:
            complaint = uow.complaints.get(message.complaint_id) if message.complaint_id is not None else None
            stored = uow.messages.get(body.source, body.external_id)
        if complaint is None or stored is None or self._tickets is None:
            return  # erased since (forget), or no ticketing system any more: nothing to add to
        ticket = complaint.ticket
        if ticket is None or ticket.status is not Delivery.SENT or ticket.number is None:
            log.info("case #%s has no ticket out: its private message is not added to one", complaint.id)
            return
        addition = TicketAddition(
            complaint.id, message.key, ticket.number, ticket.url, complaint.source, said_in(stored)
        )
        try:
            self._tickets.add_comment(addition, again=message.attempts > 1)
        except DeliveryFailed as exc:
            if not (exc.permanent or (exc.counts and message.last_chance)):
                raise
            why = exc.reason.rstrip(".")
            said = f"could not add a private message to ticket {ticket.number} in {ticket.system}: {why}."
            line = ActivityLine(SYSTEM, f"{said} It said: {stored.incoming.text}")
            with self._uow() as uow:
                note = NewOutboxMessage(ThreadLine(line=line), f"{message.key}:refused", complaint.id, URGENT_RANK)
                send(uow, [note], {complaint.id: complaint.cards})
                uow.commit()
