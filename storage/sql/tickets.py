"""The built-in ticketing system: tickets kept in Squeaky's own database (the default system of record)."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select

from handlers.gateways import TicketRef, TicketRequest
from handlers.ports import Clock
from storage.sql.tables import tickets


class BuiltinTickets:
    """Stores each ticket, with the whole conversation, in the `tickets` table; the same request twice is one ticket."""

    system = "built-in"

    def __init__(self, engine: Engine, clock: Clock, public_url: str | None = None) -> None:
        self._engine = engine
        self._clock = clock
        self._public_url = public_url.rstrip("/") if public_url else None

    def _ref(self, ticket_id: int) -> TicketRef:
        url = f"{self._public_url}/tickets/{ticket_id}" if self._public_url else None
        return TicketRef(number=f"SQ-{ticket_id}", url=url)

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
