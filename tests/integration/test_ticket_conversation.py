"""A ticket's conversation on both backends: fixed on the ticket's first try, so a retry sends the same lines; and a
private answer stored at the very moment the ticket is recorded is added to it once, whichever transaction wins."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from handlers.dispatch.fan_out import send
from handlers.domain.complaint import Delivery, IncomingComplaint, Ticket
from handlers.domain.outbox_kinds import TicketComment
from handlers.intake.receive import receive
from handlers.intake.ticket_additions import comment, is_private
from handlers.intake.triage import Triage
from handlers.ports.clock import ManualClock
from storage.memory.keys import MemoryDedupe
from storage.sql.tables import outbox
from storage.sql.unit_of_work import SqlUnitOfWorkFactory

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PENDING = Ticket("Squeaky", "Lost bag", Delivery.PENDING)


def post(n: int, text: str, private: bool = False, who: str = "ann") -> IncomingComplaint:
    """A customer's post number `n` (a direct post when `private`)."""
    visibility = "direct" if private else None
    return IncomingComplaint("mastodon", str(n), "9", who, who.title(), text, T0, visibility=visibility)


def test_a_tickets_conversation_is_fixed_on_its_first_try(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack",))
    [case] = receive(uow, clock, MemoryDedupe(), Triage(), [post(1, "my bag is lost")]).opened
    with uow() as u:
        first = [m.incoming.text for m in u.messages.carry(case, "ticket.create:1:3")]
        u.commit()
    receive(uow, clock, MemoryDedupe(), Triage(), [post(2, "red suitcase, ref QX7", private=True)])
    with uow() as u:
        again = [m.incoming.text for m in u.messages.carry(case, "ticket.create:1:3")]  # a retry: the same lines
        after = u.messages.not_carried(case, "ticket.create:1:3")
        anew = [m.incoming.text for m in u.messages.carry(case, "ticket.create:1:7")]  # another ticket: all of them
    assert first == again == ["my bag is lost"] and anew == ["my bag is lost", "red suitcase, ref QX7"]
    assert [(m.incoming.text, is_private(m)) for m in after] == [("red suitcase, ref QX7", True)]


def _race(uow: SqlUnitOfWorkFactory, clock: ManualClock, case: int, n: int) -> None:
    """The customer's private answer and the ticket's outcome at the same moment, in two threads."""
    start = threading.Barrier(2)

    def answer() -> None:  # intake: the private answer joins the customer's case
        start.wait()
        receive(uow, clock, MemoryDedupe(), Triage(), [post(2000 + n, f"ref QX{n}", private=True, who=f"ann{n}")])

    def recorded() -> None:  # the ticket's outcome, and the private messages it does not carry
        start.wait()
        with uow() as u:
            u.complaints.record_ticket(case, Ticket("Squeaky", "Lost bag", Delivery.SENT, "SQ-1"))
            later = u.messages.not_carried(case, f"ticket.create:{case}:1")
            send(u, [comment(m) for m in later if is_private(m)])
            u.commit()

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(answer), pool.submit(recorded)]:
            done.result()


def test_a_private_answer_stored_as_the_ticket_is_recorded_is_added_once(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack",))
    rounds = 12
    for n in range(rounds):
        [case] = receive(uow, clock, MemoryDedupe(), Triage(), [post(1000 + n, "my bag is lost", who=f"ann{n}")]).opened
        with uow() as u:
            u.complaints.record_ticket(case, PENDING)
            u.messages.carry(case, f"ticket.create:{case}:1")
            u.commit()
        _race(uow, clock, case, n)
    with engine.connect() as connection:
        keys = connection.execute(select(outbox.c.key).where(outbox.c.kind == TicketComment.KIND)).scalars().all()
    assert sorted(keys) == sorted(TicketComment.key("mastodon", str(2000 + n)) for n in range(rounds))
