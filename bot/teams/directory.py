"""Who is on the care team in Teams and who leads it: the members of the team TEAMS_AGENTS_TEAM names (anyone, when
unset), and the people TEAMS_LEADS lists; their names from the team's member list, or as Teams sent them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from bot.teams.connector import TeamsConnector
from bot.teams.place import TeamsPlace
from handlers.domain.complaint import Role
from handlers.ports.gateways import DeliveryFailed

log = logging.getLogger(__name__)
MEMBERS_TTL_SECONDS = 60.0


class TeamsDirectory:
    """Roles and names of Teams users, by their Teams user id (29:…)."""

    def __init__(self, connector: TeamsConnector, place: TeamsPlace, agents_team: str | None, leads: list[str]) -> None:
        self._connector = connector
        self._place = place
        self._agents_team = agents_team
        self._leads = frozenset(leads)
        self._lock = threading.Lock()
        self._members: tuple[dict[str, dict[str, Any]], float] | None = None
        self._refreshing = False  # a background read of the members is under way
        self._aad: dict[str, str] = {}  # Teams user id -> Entra object id, as clicks and member lists say
        self._names: dict[str, str] = {}

    def saw(self, user_id: str, aad_object_id: str | None, name: str | None) -> None:
        """Remember what an activity said of its sender (their Entra object id and name)."""
        with self._lock:
            if aad_object_id:
                self._aad[user_id] = aad_object_id
            if name:
                self._names[user_id] = name

    def _team(self) -> dict[str, dict[str, Any]]:
        """The care team's members: read from Teams the first time; afterwards as known, an old list being read
        again in the background meanwhile (a click never waits for Teams to list the team)."""
        with self._lock:
            members = self._members
            stale = members is not None and time.monotonic() - members[1] >= MEMBERS_TTL_SECONDS
            refresh = stale and not self._refreshing
            self._refreshing = self._refreshing or refresh
        if members is None:
            return self._read_team(None)
        if refresh:
            threading.Thread(target=self._read_again, args=(members,), name="teams-members", daemon=True).start()
        return members[0]

    def _read_again(self, members: tuple[dict[str, dict[str, Any]], float]) -> None:
        """Read an old list again (in the background); whatever happens, a later click may ask again."""
        try:
            self._read_team(members)
        except Exception:  # an unexpected answer or a bug: logged; the list known stays
            log.exception("could not read the care team's members again")
        finally:
            with self._lock:
                self._refreshing = False

    def _read_team(self, members: tuple[dict[str, dict[str, Any]], float] | None) -> dict[str, dict[str, Any]]:
        assert self._agents_team is not None
        try:
            listed = self._connector.members(self._place.service_url(), self._agents_team)
        except DeliveryFailed as exc:
            log.warning("could not read the care team's members from Teams: %s", exc.reason)
            return members[0] if members is not None else {}
        by_id = {str(m.get("id")): m for m in listed if m.get("id")}
        with self._lock:
            self._members = (by_id, time.monotonic())
            for user_id, member in by_id.items():
                if member.get("aadObjectId"):
                    self._aad[user_id] = str(member["aadObjectId"])
                if member.get("name"):
                    self._names[user_id] = str(member["name"])
        return by_id

    def roles_of(self, handle: str) -> frozenset[Role]:
        """The user's roles (a lead is an agent too)."""
        with self._lock:
            aad = self._aad.get(handle)
        roles: set[Role] = set()
        if handle in self._leads or (aad is not None and aad in self._leads):
            roles |= {Role.LEAD, Role.AGENT}
        if self._agents_team is None or handle in self._team():
            roles.add(Role.AGENT)
        return frozenset(roles)

    def name_of(self, handle: str) -> str:
        """The user's display name (their id when Teams has not said)."""
        with self._lock:
            return self._names.get(handle, handle)

    def user_of(self, picked: str) -> str | None:
        """The Teams user id of someone picked by their Entra object id (or by their Teams id), if known."""
        if self._agents_team is not None:
            self._team()
        with self._lock:
            if picked in self._aad:
                return picked
            return next((user for user, aad in self._aad.items() if aad == picked), None)

    def leads(self) -> list[tuple[str, str]]:
        """The leads to mention, as (Teams id or Entra object id, name)."""
        return self.named(sorted(self._leads))

    def named(self, people: Sequence[str]) -> list[tuple[str, str]]:
        """People (by Teams id or Entra object id) with the names Teams gave them, as mentions need."""
        with self._lock:
            by_aad = {aad: user for user, aad in self._aad.items()}
            return [(who, self._names.get(by_aad.get(who, who), "a team lead")) for who in people]
