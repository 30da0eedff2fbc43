"""The built-in ticketing system: tickets kept in Squeaky's own database (the default system of record)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from handlers.ports.clock import Clock
from handlers.ports.gateways import TicketRef, TicketRequest
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
    conversation: list[dict[str, Any]]  # {"author", "text", "at"}, oldest first


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
                    conversation=[
                        {"author": author, "text": text, "at": at.isoformat()}
                        for author, text, at in request.conversation
                    ],
                )
                .returning(tickets.c.id)
            ).scalar_one()
        return self._ref(ticket_id)
