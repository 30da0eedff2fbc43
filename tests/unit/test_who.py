"""People are resolved once and remembered across processes (the shared values), so a click costs no transaction
before its answer in any web process."""

from __future__ import annotations

import pytest

from handlers.domain.people import Identity
from handlers.people.who import REMEMBER_SECONDS, Who
from storage.memory.keys import MemoryValues
from tests.fakes import FakeDatabase


def test_a_person_resolved_in_one_process_costs_another_no_transaction() -> None:
    db, shared = FakeDatabase(), MemoryValues()
    one, other = Who(db, shared), Who(db, shared)  # two web processes sharing Redis
    alice = one.person(Identity("teams", "29:alice", "Alice"))
    commits = db.commits
    assert other.person(Identity("teams", "29:alice", "Alice")) == alice
    assert db.commits == commits  # read from the shared values, not resolved again
    renamed = other.person(Identity("teams", "29:alice", "Alice Martin"))  # a new name is resolved afresh
    assert renamed.id == alice.id and db.commits == commits + 1


def test_without_shared_values_each_process_resolves_for_itself() -> None:
    db = FakeDatabase()
    alice = Who(db).person(Identity("slack", "U0ALICE", "alice"))
    commits = db.commits
    assert Who(db).person(Identity("slack", "U0ALICE", "alice")) == alice and db.commits == commits + 1


def test_a_remembered_person_is_looked_up_again_once_the_memory_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("handlers.people.who.time.monotonic", lambda: clock[0])
    db, shared = FakeDatabase(), MemoryValues(now=lambda: clock[0])
    one, other = Who(db, shared), Who(db, shared)
    alice = Identity("slack", "U0ALICE", "alice")
    one.person(alice)
    commits = db.commits
    clock[0] += REMEMBER_SECONDS - 1
    assert one.person(alice).name == "alice"
    assert db.commits == commits  # still remembered
    clock[0] += 2  # past the expiry: in this process and in the shared values alike
    one.person(alice)
    assert db.commits == commits + 1  # resolved afresh, once
    other.person(alice)
    assert db.commits == commits + 1  # and shared again: the other process costs no transaction
