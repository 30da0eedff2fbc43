"""The care team's members in Teams are read once, then answered as known: an old list is read again in the
background, once, so a click never waits for Teams to list the team; until then, and should Teams fail, the list
known is kept."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.teams.connector import TeamsConnector
from bot.teams.directory import MEMBERS_TTL_SECONDS, TeamsDirectory
from bot.teams.place import TeamsPlace
from handlers.domain.complaint import Role
from handlers.ports.gateways import DeliveryFailed


class Listing:
    """Teams' member list of the team, one list per read; a read may be held until let go."""

    def __init__(self, *lists: list[str]) -> None:
        self.lists = list(lists)
        self.reads = 0
        self.hold = threading.Event()
        self.hold.set()
        self.read_done = threading.Event()
        self.started = threading.Event()

    def members(self, service_url: str, conversation: str) -> list[dict[str, Any]]:
        self.reads += 1
        self.started.set()
        assert self.hold.wait(30)
        try:
            if not self.lists:
                raise DeliveryFailed("Teams is away")
            return [{"id": user, "name": user} for user in self.lists.pop(0)]
        finally:
            self.read_done.set()


def _directory(listing: Listing) -> TeamsDirectory:
    place = SimpleNamespace(service_url=lambda: "https://smba.example/")
    return TeamsDirectory(cast(TeamsConnector, listing), cast(TeamsPlace, place), "19:team", [])


def test_an_old_member_list_is_answered_at_once_and_read_again_in_the_background(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [100.0]
    monkeypatch.setattr("bot.teams.directory.time.monotonic", lambda: clock[0])
    listing = Listing(["29:alice"], ["29:bob"])
    directory = _directory(listing)
    assert directory.roles_of("29:alice") == {Role.AGENT}  # the first read is waited for
    clock[0] += MEMBERS_TTL_SECONDS + 1
    listing.hold.clear()
    listing.read_done.clear()
    listing.started.clear()
    assert directory.roles_of("29:alice") == {Role.AGENT}  # old, answered while Teams is read again
    assert listing.started.wait(30)
    assert directory.roles_of("29:bob") == frozenset()
    assert listing.reads == 2  # one read in the background, not one per click
    listing.hold.set()
    assert listing.read_done.wait(30)
    deadline = time.perf_counter() + 30  # time.monotonic is the test's clock here
    while directory.roles_of("29:bob") != {Role.AGENT}:  # the new list replaces the old once read
        assert time.perf_counter() < deadline and listing.reads == 2
        time.sleep(0.01)


def test_the_known_list_is_kept_while_teams_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("bot.teams.directory.time.monotonic", lambda: clock[0])
    listing = Listing(["29:alice"])  # the second read fails
    directory = _directory(listing)
    assert directory.roles_of("29:alice") == {Role.AGENT}
    clock[0] += MEMBERS_TTL_SECONDS + 1
    listing.read_done.clear()
    assert directory.roles_of("29:alice") == {Role.AGENT}
    assert listing.read_done.wait(30)
    assert directory.roles_of("29:alice") == {Role.AGENT}  # Teams failed: the list known is kept


def test_a_background_read_that_breaks_lets_a_later_click_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("bot.teams.directory.time.monotonic", lambda: clock[0])
    listing = Listing(["29:alice"], ["29:bob"])
    directory = _directory(listing)
    assert directory.roles_of("29:alice") == {Role.AGENT}
    clock[0] += MEMBERS_TTL_SECONDS + 1
    broken = threading.Event()

    def unexpected(service_url: str, conversation: str) -> list[dict[str, Any]]:
        broken.set()
        raise KeyError("members")  # not a refusal Teams documents: a bug, or an answer of a new shape

    monkeypatch.setattr(listing, "members", unexpected)
    assert directory.roles_of("29:alice") == {Role.AGENT}  # the list known, while the read breaks
    assert broken.wait(30)
    monkeypatch.undo()  # Teams answers again
    monkeypatch.setattr("bot.teams.directory.time.monotonic", lambda: clock[0])
    deadline = time.perf_counter() + 30  # time.monotonic is the test's clock here
    while directory.roles_of("29:bob") != {Role.AGENT}:  # a later click reads the team again
        assert time.perf_counter() < deadline
        time.sleep(0.01)
