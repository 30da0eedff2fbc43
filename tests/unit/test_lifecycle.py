"""The lifecycle rules and the transition use case, on fakes (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.cases import transitions
from handlers.cases.claim import claim, release
from handlers.cases.errors import AlreadyClaimed, ComplaintNotFound, ConcurrentUpdate, IllegalTransition, NotOwner
from handlers.cases.lifecycle import RULES, decide
from handlers.cases.permissions import authorize
from handlers.domain.complaint import Action, Actor, Complaint, IncomingComplaint, Status
from handlers.domain.outbox_kinds import CardPost, CardUpdate, ThreadLine
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.ports.clock import ManualClock
from tests.fakes import FakeDatabase, FakeDedupe

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
MARIA = Actor("U0MARIA", "maria", "slack")
JON = Actor("U0JON", "jon", "slack")


def complaint(status: Status = Status.NEW, owner: Actor | None = None, **kw: object) -> Complaint:
    return Complaint(
        id=1,
        source="x",
        external_id="100",
        author_id="9",
        author_handle="angry_ann",
        author_name="Ann",
        text="my bag is lost",
        created_at=T0,
        received_at=T0,
        status=status,
        version=1,
        owner=owner,
        claimed_at=T0 if owner else None,
        **kw,  # type: ignore[arg-type]
    )


def stored(db: FakeDatabase) -> int:
    incoming = IncomingComplaint("x", "100", "9", "angry_ann", "Ann", "my bag is lost", T0)
    [complaint_id] = receive(db, ManualClock(T0), FakeDedupe(), Triage(), [incoming]).opened
    return complaint_id


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        (Action.CLAIM, Status.NEW, Status.CLAIMED),
        (Action.RELEASE, Status.CLAIMED, Status.NEW),
        (Action.ACKNOWLEDGE, Status.CLAIMED, Status.ACKNOWLEDGED),
        (Action.TICKET, Status.CLAIMED, Status.TICKETED),
        (Action.TICKET, Status.ACKNOWLEDGED, Status.TICKETED),
        (Action.CLOSE, Status.TICKETED, Status.CLOSED),
        (Action.CLOSE, Status.ACKNOWLEDGED, Status.CLOSED),
        (Action.DISMISS, Status.NEW, Status.DISMISSED),
        (Action.MERGE, Status.CLAIMED, Status.MERGED),
    ],
)
def test_legal_transitions(action: Action, start: Status, end: Status) -> None:
    owner = MARIA if start is not Status.NEW else None
    intent = {"reply_text": "sorry!", "ticket_system": "built-in", "ticket_subject": "bag", "reason": "spam", "into": 9}
    change = decide(complaint(start, owner), action, MARIA, T0, **intent)
    assert change.status is end


def test_every_action_out_of_a_terminal_state_is_refused() -> None:
    for terminal in (Status.CLOSED, Status.DISMISSED, Status.MERGED):
        assert all(terminal not in starts for action, starts in RULES.items() if action is not Action.EXPIRE)
        for action in RULES:
            with pytest.raises(IllegalTransition, match=f"already {terminal.value}"):
                decide(complaint(terminal, MARIA), action, MARIA, T0, new_owner=JON)


def test_claim_sets_owner_and_time() -> None:
    change = decide(complaint(), Action.CLAIM, MARIA, T0)
    assert (change.owner, change.claimed_at) == (MARIA, T0)


def test_second_claim_names_the_owner_and_how_long_ago() -> None:
    claimed = complaint(Status.CLAIMED, MARIA)
    with pytest.raises(AlreadyClaimed) as info:
        decide(claimed, Action.CLAIM, JON, T0.replace(minute=2))
    assert str(info.value) == "Already claimed by @maria 2 min ago."


def test_only_the_owner_can_release_or_acknowledge() -> None:
    claimed = complaint(Status.CLAIMED, MARIA)
    for action in (Action.RELEASE, Action.ACKNOWLEDGE, Action.TICKET, Action.CLOSE):
        with pytest.raises(NotOwner, match="held by @maria"):
            authorize(JON, action, claimed)
        authorize(MARIA, action, claimed)


def test_release_clears_the_owner() -> None:
    change = decide(complaint(Status.CLAIMED, MARIA), Action.RELEASE, MARIA, T0)
    assert change.clear_owner and change.status is Status.NEW


def test_reassign_keeps_status_and_changes_owner() -> None:
    change = decide(complaint(Status.ACKNOWLEDGED, MARIA), Action.REASSIGN, MARIA, T0, new_owner=JON)
    assert (change.status, change.owner) == (Status.ACKNOWLEDGED, JON)


def test_claim_writes_cas_audit_and_card_update_in_one_commit() -> None:
    db, clock = FakeDatabase(), ManualClock(T0)
    complaint_id = stored(db)
    commits = db.commits
    result = claim(db, clock, complaint_id, MARIA)
    assert db.commits == commits + 1
    assert (result.status, result.owner, result.version) == (Status.CLAIMED, MARIA, 2)
    assert db.state.complaints[complaint_id] == result
    [event] = db.state.audit
    assert (event.actor, event.action, event.from_status, event.to_status) == (
        MARIA,
        "claim",
        Status.NEW,
        Status.CLAIMED,
    )
    assert [row.message.kind for row in db.state.outbox.values()] == [CardPost.KIND, CardUpdate.KIND, ThreadLine.KIND]


def test_losing_claim_changes_nothing() -> None:
    db, clock = FakeDatabase(), ManualClock(T0)
    complaint_id = stored(db)
    claim(db, clock, complaint_id, MARIA)
    clock.advance(minutes=5)
    with pytest.raises(AlreadyClaimed, match="@maria 5 min ago"):
        claim(db, clock, complaint_id, JON)
    assert db.state.complaints[complaint_id].owner == MARIA
    assert len(db.state.audit) == 1


def test_claim_release_claim_again() -> None:
    db, clock = FakeDatabase(), ManualClock(T0)
    complaint_id = stored(db)
    claim(db, clock, complaint_id, MARIA)
    release(db, clock, complaint_id, MARIA)
    assert claim(db, clock, complaint_id, JON).owner == JON
    assert [e.action for e in db.state.audit] == ["claim", "release", "claim"]


def test_unknown_complaint() -> None:
    with pytest.raises(ComplaintNotFound, match="#42"):
        claim(FakeDatabase(), ManualClock(T0), 42, MARIA)


def test_cas_that_never_lands_gives_up_with_a_retryable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    db, clock = FakeDatabase(), ManualClock(T0)
    complaint_id = stored(db)
    from tests.fakes import complaints

    monkeypatch.setattr(complaints._Complaints, "compare_and_set", lambda self, c, ch: False)
    with pytest.raises(ConcurrentUpdate, match="try again"):
        transitions.apply(db, clock, complaint_id, Action.CLAIM, MARIA)
    assert db.state.audit == []
