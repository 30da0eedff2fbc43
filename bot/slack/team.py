"""Who is on the care team and who leads it, from Slack user groups; people's names from users.info.

Listeners must answer Slack within 3 seconds, so they read a cache: a value older than its
time to live is still answered at once while one background refresh fetches a new one.
Only the very first look-up of a group waits for Slack (and the listeners that need it run
under an answer budget, see bot.slack.budget).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.domain.complaint import Role

log = logging.getLogger(__name__)
_TTL_SECONDS = 60.0
_NAME_TTL_SECONDS = 3600.0


@dataclass
class _Entry:
    value: Any
    at: float


class _StaleWhileRefreshing:
    """A keyed cache: fresh values as they are, stale ones at once with one refresh in the background."""

    def __init__(self, fetch: Callable[[str], Any], ttl: float, name: str) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._name = name
        self._entries: dict[str, _Entry] = {}
        self._refreshing: set[str] = set()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        """The value for `key`: cached if there is one (refreshed behind the scenes when old), else fetched now."""
        with self._lock:
            entry = self._entries.get(key)
            stale = entry is not None and time.monotonic() - entry.at >= self._ttl
            start = stale and key not in self._refreshing
            if start:
                self._refreshing.add(key)
        if entry is None:
            return self._load(key)
        if start:
            threading.Thread(target=self._load, args=(key,), name=f"{self._name}-refresh", daemon=True).start()
        return entry.value

    def warm(self, key: str) -> None:
        """Fetch `key` in the background now, so the first listener that needs it finds it."""
        threading.Thread(target=self._load, args=(key,), name=f"{self._name}-warm", daemon=True).start()

    def _load(self, key: str) -> Any:
        try:
            value = self._fetch(key)
        except SlackApiError as exc:
            log.warning("could not refresh %s %s from Slack: %s", self._name, key, exc.response.get("error"))
            with self._lock:
                self._refreshing.discard(key)
                entry = self._entries.get(key)
            return entry.value if entry is not None else None  # Slack is down: keep what we knew
        with self._lock:
            self._entries[key] = _Entry(value, time.monotonic())
            self._refreshing.discard(key)
        return value


class TeamDirectory:
    """Roles of Slack users: agent (in the agents group, or anyone when no group is set) and lead; their names."""

    def __init__(self, client: WebClient, agents_group: str | None, leads_group: str | None) -> None:
        self._client = client
        self._groups = {Role.AGENT: agents_group, Role.LEAD: leads_group}
        self._members = _StaleWhileRefreshing(self._group_members, _TTL_SECONDS, "user group")
        self._names = _StaleWhileRefreshing(self._user_name, _NAME_TTL_SECONDS, "user")

    def _group_members(self, group: str) -> frozenset[str]:
        return frozenset(self._client.usergroups_users_list(usergroup=group).get("users") or [])

    def _user_name(self, user_id: str) -> str:
        info = self._client.users_info(user=user_id).get("user") or {}
        return str(info.get("name") or user_id)

    def warm(self) -> None:
        """Read the groups in the background (a web process does this as it starts)."""
        for group in self._groups.values():
            if group is not None:
                self._members.warm(group)

    def _members_of(self, role: Role) -> frozenset[str]:
        group = self._groups[role]
        if group is None:
            return frozenset()
        members = self._members.get(group)
        return members if isinstance(members, frozenset) else frozenset()

    def roles_of(self, user_id: str) -> frozenset[Role]:
        """The user's roles on the care team (a lead is an agent too)."""
        roles = set()
        if user_id in self._members_of(Role.LEAD):
            roles |= {Role.LEAD, Role.AGENT}
        if self._groups[Role.AGENT] is None or user_id in self._members_of(Role.AGENT):
            roles.add(Role.AGENT)
        return frozenset(roles)

    def name_of(self, user_id: str) -> str:
        """The user's Slack name (their id when Slack cannot say)."""
        name = self._names.get(user_id)
        return name if isinstance(name, str) else user_id
