"""The outbox runner: cards posted once, updates render the latest state, failures back off or give up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.cases.claim import claim
from handlers.domain.card import CardView
from handlers.domain.complaint import Actor, CardRef, IncomingComplaint, Status
from handlers.intake.priority import FOLLOWUP_LINE_POINTS
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.outbox.runner import OUTAGE_LOOKS_AGAIN, OutboxRunner, backoff_seconds, outage_backoff_seconds
from handlers.ports.clock import ManualClock
from handlers.ports.gateways import DeliveryFailed
from handlers.ports.outbox import MAX_FAILURES
from tests.fakes import FakeChat, FakeDatabase, FakeDedupe, card_ref

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
MARIA = Actor("U0MARIA", "maria", "slack")


def setup() -> tuple[FakeDatabase, ManualClock, FakeChat, OutboxRunner, int]:
    db, clock, chat = FakeDatabase(), ManualClock(T0), FakeChat()
    [complaint_id] = receive(
        db, clock, FakeDedupe(), Triage(), [IncomingComplaint("x", "1", "9", "ann", "Ann", "late again", T0)]
    ).opened
    return db, clock, chat, OutboxRunner(db, clock, chat.faces()), complaint_id


def test_receive_is_idempotent() -> None:
    db, clock, dedupe = FakeDatabase(), ManualClock(T0), FakeDedupe()
    incoming = IncomingComplaint("x", "1", "9", "ann", "Ann", "late again", T0)
    assert receive(db, clock, dedupe, Triage(), [incoming]).opened == [1]
    assert receive(db, clock, dedupe, Triage(), [incoming]).duplicates == 1  # caught by the dedupe set
    again = receive(db, clock, FakeDedupe(), Triage(), [incoming, incoming])  # by the database's unique key
    assert (again.opened, again.duplicates) == ([], 2)
    assert len(db.state.complaints) == 1 and len(db.state.outbox) == 1 and len(db.state.messages) == 1


def test_card_is_posted_once_and_remembered() -> None:
    db, _clock, chat, runner, complaint_id = setup()
    assert runner.run_due() == 1
    assert runner.run_due() == 0
    assert len(chat.posted) == 1 and chat.posted[0].text == "late again"
    assert db.state.complaints[complaint_id].card_on("chat") is not None


def test_update_shows_the_latest_state() -> None:
    db, clock, chat, runner, complaint_id = setup()
    runner.run_due()
    claim(db, clock, complaint_id, MARIA)
    runner.run_due()
    [(ref, card)] = chat.updated
    assert card.status is Status.CLAIMED and card.owner == MARIA
    assert ref == db.state.complaints[complaint_id].card_on("chat")


def test_claim_before_the_card_is_out_is_shown_by_the_post_itself() -> None:
    db, clock, chat, runner, complaint_id = setup()
    claim(db, clock, complaint_id, MARIA)
    runner.run_due()
    assert [c.status for c in chat.posted] == [Status.CLAIMED]
    assert chat.updated == []


def test_rate_limited_post_waits_for_retry_after_without_using_up_a_chance() -> None:
    db, clock, chat, runner, _ = setup()
    chat.fail_with = DeliveryFailed("Slack chat.postMessage rate limited", retry_after=30, throttled=True)
    runner.run_due()
    [row] = db.state.outbox.values()
    assert row.status == "pending" and (row.message.attempts, row.message.failures) == (0, 0)  # the try is taken back
    chat.fail_with = None
    clock.advance(seconds=29)
    assert runner.run_due() == 0 and "chat:*" in runner.paused_lanes()
    clock.advance(seconds=2)
    assert runner.run_due() == 1 and len(chat.posted) == 1


def test_a_lane_paused_mid_batch_gives_back_the_rest_of_its_messages_at_once() -> None:
    db, clock, chat, runner, _ = setup()
    more = [IncomingComplaint("x", str(n), str(n), f"c{n}", "C", "late", T0) for n in range(2, 12)]
    receive(db, clock, FakeDedupe(), Triage(), more)
    chat.fail_with = DeliveryFailed("channel rate limited", retry_after=30, throttled=True)
    commits = db.commits
    assert runner.run_due() == 11
    rows = list(db.state.outbox.values())
    assert all(r.status == "pending" and r.message.attempts == 0 and r.leased_until is None for r in rows)
    assert db.commits - commits == 3  # the lease, the refused try given back, then the other ten in one go


def test_permanent_failure_gives_up_and_keeps_the_reason() -> None:
    db, _clock, chat, runner, _ = setup()
    chat.fail_with = DeliveryFailed("Slack chat.postMessage failed: channel_not_found", permanent=True)
    runner.run_due()
    [row] = db.state.outbox.values()
    assert row.status == "failed" and row.last_error and "channel_not_found" in row.last_error


def test_failures_of_the_message_back_off_then_give_up() -> None:
    db, clock, chat, runner, _ = setup()
    chat.fail_with = DeliveryFailed("Slack chat.postMessage failed: invalid_arguments")
    for _ in range(MAX_FAILURES):
        clock.advance(seconds=400)
        runner.run_due()
    [row] = db.state.outbox.values()
    assert row.status == "failed" and row.message.failures == MAX_FAILURES - 1  # the last one gives up instead


def test_an_outage_never_gives_up_and_one_message_at_a_time_looks_whether_the_outside_is_back() -> None:
    db, clock, chat, runner, _ = setup()
    more = [IncomingComplaint("x", str(n), str(n), f"c{n}", "C", "late", T0) for n in range(2, 6)]
    receive(db, clock, FakeDedupe(), Triage(), more)
    tries = 0

    def down(channel: str, card: CardView) -> CardRef:
        nonlocal tries
        tries += 1
        raise DeliveryFailed("Slack chat.postMessage is failing (500)", outage=True)

    chat.post_card = down  # type: ignore[method-assign]
    for _ in range(60):  # ten minutes of outage
        clock.advance(seconds=10)
        runner.run_due()
    rows = list(db.state.outbox.values())
    assert all(r.status == "pending" and r.message.failures == 0 for r in rows)
    assert tries <= 60  # one probe per pass at most, never the whole batch
    assert outage_backoff_seconds(10) == OUTAGE_LOOKS_AGAIN
    del chat.post_card  # back to the recording one
    clock.advance(seconds=OUTAGE_LOOKS_AGAIN)  # work resumes within seconds of the outside's return, however long
    runner.run_due()  # it was away: the lane looks first, then the rest follow at once
    runner.run_due()
    assert sorted(c.complaint_id for c in chat.posted) == sorted(db.state.complaints)  # each once


def test_when_the_channel_opens_the_highest_rank_goes_first_even_if_it_came_last() -> None:
    db, clock, chat, runner, _ = setup()
    standard = [IncomingComplaint("x", str(n), str(n), f"c{n}", "C", "late", T0) for n in range(2, 6)]
    receive(db, clock, FakeDedupe(), Triage(), standard)
    chat.fail_with = DeliveryFailed("pacing slack:post:C0CARE", retry_after=1.0, throttled=True)
    runner.run_due()  # every card waits for the channel
    db.state.tiers["vera"] = "vip"
    vip = IncomingComplaint("x", "9", "99", "vera", "Vera", "late", T0 + timedelta(seconds=1))
    [vip_id] = receive(db, clock, FakeDedupe(), Triage(), [vip]).opened
    chat.fail_with = None
    clock.advance(seconds=2)
    runner.run_due()
    assert chat.posted[0].complaint_id == vip_id


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff_seconds(50) == 300


def test_claim_while_the_card_is_on_its_way_still_reaches_the_card() -> None:
    db, clock, chat, runner, complaint_id = setup()
    real_post = chat.post_card

    def post_while_someone_claims(channel: str, card: CardView) -> CardRef:
        claim(db, clock, complaint_id, MARIA)  # the click lands before the post's answer is saved
        runner.run_due()  # another worker takes the card's update before the card is out
        return real_post(channel, card)

    chat.post_card = post_while_someone_claims  # type: ignore[method-assign]
    runner.run_due()
    runner.run_due()
    assert [c.status for c in chat.posted] == [Status.NEW]
    assert [card.status for _ref, card in chat.updated] == [Status.CLAIMED]


def test_follow_up_while_the_card_is_on_its_way_still_shows_on_the_card() -> None:
    db, clock, chat, runner, _complaint_id = setup()
    real_post = chat.post_card

    def post_while_the_customer_writes_again(channel: str, card: CardView) -> CardRef:
        again = IncomingComplaint("x", "2", "9", "ann", "Ann", "hello??", T0, in_reply_to_id="1")
        assert receive(db, clock, FakeDedupe(), Triage(), [again]).threaded == 1
        runner.run_due()  # another worker, meanwhile
        return real_post(channel, card)

    chat.post_card = post_while_the_customer_writes_again  # type: ignore[method-assign]
    for _ in range(3):
        runner.run_due()
        clock.advance(seconds=3)
    assert [card.followup_count for _ref, card in chat.updated][-1] == 1
    assert [f.text for _ref, f in chat.followups] == ["hello??"]


def test_a_post_whose_answer_was_lost_is_found_not_posted_again() -> None:
    db, clock, chat, runner, complaint_id = setup()
    real_post = chat.post_card

    def post_then_die(channel: str, card: CardView) -> CardRef:
        real_post(channel, card)  # the chat tool has the card...
        raise RuntimeError("worker killed before saving Slack's answer")

    chat.post_card = post_then_die  # type: ignore[method-assign]
    runner.run_due()
    chat.post_card = real_post  # type: ignore[method-assign]
    clock.advance(seconds=5)
    runner.run_due()
    runner.run_due()
    assert len(chat.posted) == 1
    assert db.state.complaints[complaint_id].card_on("chat") == card_ref("C0CARE", "1000.000001")
    assert [card.complaint_id for _ref, card in chat.updated] == [complaint_id]  # refreshed, since unknown


def test_a_follow_up_waits_for_its_card_as_long_as_it_takes_then_goes_right_after_it() -> None:
    db, clock, chat, runner, complaint_id = setup()
    again = IncomingComplaint("x", "2", "9", "ann", "Ann", "hello??", T0, in_reply_to_id="1")
    receive(db, clock, FakeDedupe(), Triage(), [again])
    [followup] = [r for r in db.state.outbox.values() if r.message.kind == "card.followup"]
    # by its case's priority, after new cases of its tier: not ahead of every new card
    assert followup.rank == db.state.ranks[complaint_id] + FOLLOWUP_LINE_POINTS
    chat.fail_with = DeliveryFailed("pacing slack:post:C0CARE", retry_after=5.0, throttled=True)
    for _ in range(360):  # half an hour of a saturated channel
        runner.run_due()
        clock.advance(seconds=5)
    assert followup.status == "pending" and followup.message.failures == 0 and chat.followups == []
    chat.fail_with = None
    runner.run_due()  # the card goes out, and wakes the line that waited for it
    runner.run_due()
    assert len(chat.posted) == 1 and [f.text for _ref, f in chat.followups] == ["hello??"]


class StorageDown(Exception):
    """Our own storage unreachable, as the runner's `outages` name it."""


def test_a_batch_cut_while_the_database_is_away_too_gives_its_leases_back_first_thing_on_the_next_run() -> None:
    db, clock, chat, _, _ = setup()
    more = [IncomingComplaint("x", str(n), str(n), f"c{n}", "C", "late", T0) for n in range(2, 6)]
    receive(db, clock, FakeDedupe(), Triage(), more)
    down = False

    def database() -> object:
        if down:
            raise StorageDown("the database is unreachable")
        return db()

    runner = OutboxRunner(database, clock, chat.faces(), outages=(StorageDown,))  # type: ignore[arg-type]

    def cut(channel: str, card: CardView) -> CardRef:
        nonlocal down
        down = True  # Redis and PostgreSQL drop together, mid-batch
        raise StorageDown("Redis is unreachable")

    chat.post_card = cut  # type: ignore[method-assign]
    with pytest.raises(StorageDown):
        runner.run_due()
    assert all(r.leased_until for r in db.state.outbox.values() if r.status == "pending")  # nothing was given back
    down = False  # back well within the lease's 30 s
    del chat.post_card
    runner.run_due()
    assert sorted(c.complaint_id for c in chat.posted) == sorted(db.state.complaints)  # at once, not in 30 s
    assert all(r.message.failures == 0 for r in db.state.outbox.values())
