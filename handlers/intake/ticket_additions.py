"""A case's private conversation joins its ticket: each private message stored on a case whose ticket is out (the
customer's answer, or ours) is added to the ticket's conversation in the system of record by the outbox, once. A
ticket made later carries the messages already stored; these are for the ones after it."""

from __future__ import annotations

from collections.abc import Iterable

from handlers.domain.complaint import Message
from handlers.domain.outbox_kinds import TicketComment
from handlers.intake.follow_ups import PRIVATE_NOTE, PRIVATELY
from handlers.ports.gateways import Said
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWork


def is_private(message: Message) -> bool:
    """Whether a stored message was said privately: a customer's direct message, chat or direct post, or ours."""
    note = message.note or ""
    return note == PRIVATE_NOTE or note.startswith(PRIVATELY)


def said_in(message: Message) -> Said:
    """A stored message as a ticket's conversation carries it."""
    item = message.incoming
    return Said(item.author_handle, item.text, item.created_at, is_private(message))


def comment(message: Message) -> NewOutboxMessage:
    """The outbox message that adds one private message to its case's ticket."""
    assert message.complaint_id is not None, "only a message on a case is added to its ticket"
    source, external_id = message.incoming.source, message.incoming.external_id
    body = TicketComment(source=source, external_id=external_id, complaint=message.complaint_id)
    return NewOutboxMessage(body, TicketComment.key(source, external_id), message.complaint_id)


def additions(uow: UnitOfWork, stored: Iterable[Message]) -> list[NewOutboxMessage]:
    """The additions to their tickets of the private messages just stored, for cases whose ticket is out (their rows
    locked: a ticket recorded at the same moment sees these messages, or is seen here)."""
    private = [m for m in stored if m.complaint_id is not None and is_private(m)]
    if not private:
        return []
    out = uow.complaints.tickets_out({m.complaint_id for m in private if m.complaint_id is not None})
    return [comment(m) for m in private if m.complaint_id in out]
