"""Who is on the care team and who leads it, from Slack user groups (cached for a minute)."""

from __future__ import annotations

import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.model import Role

_TTL_SECONDS = 60.0


class TeamDirectory:
    """Roles of Slack users: agent (in the agents group, or anyone when no group is set) and lead."""

    def __init__(self, client: WebClient, agents_group: str | None, leads_group: str | None) -> None:
        self._client = client
        self._groups = {Role.AGENT: agents_group, Role.LEAD: leads_group}
        self._members: dict[Role, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def _members_of(self, role: Role) -> frozenset[str]:
        group = self._groups[role]
        if group is None:
            return frozenset()
        with self._lock:
            cached = self._members.get(role)
            if cached is not None and time.monotonic() - cached[0] < _TTL_SECONDS:
                return cached[1]
        try:
            users = frozenset(self._client.usergroups_users_list(usergroup=group).get("users") or [])
        except SlackApiError:
            users = cached[1] if cached else frozenset()  # Slack is down: keep what we knew
        with self._lock:
            self._members[role] = (time.monotonic(), users)
        return users

    def roles_of(self, user_id: str) -> frozenset[Role]:
        """The user's roles on the care team (a lead is an agent too)."""
        roles = set()
        if user_id in self._members_of(Role.LEAD):
            roles |= {Role.LEAD, Role.AGENT}
        if self._groups[Role.AGENT] is None or user_id in self._members_of(Role.AGENT):
            roles.add(Role.AGENT)
        return frozenset(roles)
