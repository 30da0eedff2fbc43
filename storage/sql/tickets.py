"""The built-in ticketing system: tickets kept in Squeaky's own database (the default system of record)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from handlers.ports.clock import Clock
from handlers.ports.gateways import DeliveryFailed, Said, TicketAddition, TicketRef, TicketRequest
from storage.sql.tables import tickets


@dataclass(frozen=True)
class StoredTicket:
    """A built-in ticket as its page shows it."""

    id: int
    number: str
    complaint_id: int
    subject: str
    status: str
    created_at: datetime
    priority: str
    notes: str
    contact: str
    conversation: list[dict[str, Any]]  # {"author", "text", "at", "private"}, oldest first; added lines after


class BuiltinTickets:
    """Stores each ticket, with the whole conversation, in the `tickets` table; the same request twice is one ticket.

    A built-in ticket has no standing address: its page opens only through a short-lived
    signed link that an agent asks for from the card.
    """

    system = "Squeaky"  # as the card says it: "Ticket SQ-1 in Squeaky"

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def _ref(self, ticket_id: int) -> TicketRef:
        return TicketRef(number=f"SQ-{ticket_id}", url=None)

    def get(self, ticket_id: int) -> StoredTicket | None:
        """The ticket, for its page."""
        with self._engine.connect() as connection:
            row = connection.execute(select(tickets).where(tickets.c.id == ticket_id)).mappings().first()
        if row is None:
            return None
        return StoredTicket(
            id=row["id"],
            number=f"SQ-{row['id']}",
            complaint_id=row["complaint_id"],
            subject=row["subject"],
            status=row["status"],
            created_at=row["created_at"],
            priority=row["priority"] or "normal",
            notes=row["notes"] or "",
            contact=row["contact"] or "",
            conversation=list(row["conversation"] or []),
        )

    def of_complaint(self, complaint_id: int) -> int | None:
        """The id of the complaint's newest built-in ticket."""
        with self._engine.connect() as connection:
            query = select(tickets.c.id).where(tickets.c.complaint_id == complaint_id).order_by(tickets.c.id.desc())
            return connection.execute(query.limit(1)).scalar()

    def create(self, request: TicketRequest) -> TicketRef:
        """Write the ticket (or find the one this request already made)."""
        with self._engine.begin() as connection:
            existing = connection.execute(select(tickets.c.id).where(tickets.c.request_key == request.key)).scalar()
            if existing is not None:
                return self._ref(existing)
            ticket_id = connection.execute(
                insert(tickets)
                .values(
                    complaint_id=request.complaint_id,
                    system=self.system,
                    subject=request.subject,
                    status="open",
                    created_at=self._clock.now(),
                    request_key=request.key,
                    priority=request.priority,
                    notes=request.notes,
                    contact=request.contact,
                    card_url=request.card_url,
                    conversation=[_line(said) for said in request.conversation],
                )
                .returning(tickets.c.id)
            ).scalar_one()
        return self._ref(ticket_id)

    def add_comment(self, comment: TicketAddition, *, again: bool) -> None:
        """Add the private message to the ticket's conversation, once (the same key twice adds nothing)."""
        number = comment.ticket.removeprefix("SQ-")
        if not number.isdigit():
            raise DeliveryFailed(f"{comment.ticket} is not a Squeaky ticket", permanent=True)
        with self._engine.begin() as connection:
            query = select(tickets.c.conversation).where(tickets.c.id == int(number)).with_for_update()
            row = connection.execute(query).first()
            if row is None:
                raise DeliveryFailed(f"ticket {comment.ticket} is not there any more", permanent=True)
            conversation = list(row.conversation or [])
            if any(line.get("key") == comment.key for line in conversation):
                return
            line = _line(comment.said) | {"key": comment.key, "ours": comment.ours}
            connection.execute(
                update(tickets).where(tickets.c.id == int(number)).values(conversation=[*conversation, line])
            )


def _line(said: Said) -> dict[str, Any]:
    """One line of a ticket's conversation as stored: who, what, when, and whether it was said privately."""
    return {"author": said.author, "text": said.text, "at": said.at.isoformat(), "private": said.private}
