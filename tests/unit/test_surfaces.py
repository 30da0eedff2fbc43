"""Cards on several chat tools and channels: one card per surface, a change reaches every card, and a surface or a
channel that asks us to slow down holds up only its own lane."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.cases.claim import claim
from handlers.domain.activity import ActivityLine
from handlers.domain.complaint import Actor, CardRef, IncomingComplaint, Status
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.outbox.runner import OutboxRunner
from handlers.ports.clock import ManualClock
from handlers.ports.gateways import DeliveryFailed
from tests.fakes import FakeChat, FakeDatabase, FakeDedupe, card_ref

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MARIA = Actor("7", "maria", "chat", handles={"chat": "m-1", "other": "m-other"})


class OtherChat(FakeChat):
    """A second chat tool, which can be told to answer 429."""

    def __init__(self) -> None:
        super().__init__()
        self.busy_for: float | None = None

    def post_card(self, channel: str, card):  # type: ignore[no-untyped-def]
        if self.busy_for is not None:
            raise DeliveryFailed("other chat tool rate limited", retry_after=self.busy_for, throttled=True)
        posted = super().post_card(channel, card)
        return CardRef("other", posted.channel, dict(posted.data))


def _arrive(db: FakeDatabase, clock: ManualClock, n: int) -> int:
    incoming = IncomingComplaint("x", str(n), str(n), f"c{n}", "C", "@SqueakyAir late", T0)
    [complaint_id] = receive(db, clock, FakeDedupe(), Triage(), [incoming]).opened
    return complaint_id


def test_a_429_from_one_chat_tool_never_holds_up_the_other_and_a_change_reaches_both_cards() -> None:
    db, clock = FakeDatabase(surfaces=("chat", "other")), ManualClock(T0)
    chat, other = FakeChat(), OtherChat()
    runner = OutboxRunner(db, clock, {"chat": chat.face(), "other": other.face()})
    complaint_id = _arrive(db, clock, 1)
    other.busy_for = 30.0
    runner.run_due()
    assert [c.complaint_id for c in chat.posted] == [complaint_id] and other.posted == []
    assert "other:*" in runner.paused_lanes()
    assert not any(lane.startswith("chat:") for lane in runner.paused_lanes())
    clock.advance(seconds=31)
    other.busy_for = None
    runner.run_due()
    cards = db.state.complaints[complaint_id].cards
    assert sorted(c.surface for c in cards) == ["chat", "other"]
    claim(db, clock, complaint_id, MARIA)
    runner.run_due()
    assert [card.status for _ref, card in chat.updated] == [Status.CLAIMED]
    assert [card.status for _ref, card in other.updated] == [Status.CLAIMED]
    assert [line.actor.name for _ref, line in chat.activity] == ["maria"]
    assert [line.actor.name for _ref, line in other.activity] == ["maria"]


def test_two_channels_of_one_tool_each_keep_their_own_pace() -> None:
    db, clock, chat = FakeDatabase(), ManualClock(T0), FakeChat()
    runner = OutboxRunner(db, clock, chat.faces())
    first, second = _arrive(db, clock, 1), _arrive(db, clock, 2)
    with db() as uow:  # their cards are out, in two channels
        uow.complaints.add_card(first, card_ref("C0BUSY", "1"))
        uow.complaints.add_card(second, card_ref("C0CALM", "2"))
        uow.commit()
    for row in db.state.outbox.values():  # their own card posts are done
        row.status = "done"
    real = chat.post_activity

    def busy_channel(ref: CardRef, line: ActivityLine) -> None:
        if ref.channel == "C0BUSY":
            raise DeliveryFailed("channel rate limited", retry_after=60, throttled=True)
        real(ref, line)

    chat.post_activity = busy_channel  # type: ignore[method-assign]
    claim(db, clock, first, MARIA)
    claim(db, clock, second, MARIA)
    runner.run_due()
    assert [ref.channel for ref, _line in chat.activity] == ["C0CALM"]
    assert "chat:C0BUSY:lines" in runner.paused_lanes()  # a thread line held back holds back no card either
    assert not any(lane.startswith("chat:C0CALM") for lane in runner.paused_lanes())
