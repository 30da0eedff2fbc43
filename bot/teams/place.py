"""Where Squeaky lives in Teams: the channel for cards, the Bot Connector's address and the tenant, from the settings
or, where they are unset, from what Teams said when the app was added to the team."""

from __future__ import annotations

import threading
import time

from bot.config import Settings
from bot.teams.refs import SURFACE
from handlers.ports.gateways import DeliveryFailed
from handlers.ports.unit_of_work import UnitOfWorkFactory

PUBLIC_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
REREAD_SECONDS = 60.0
NOT_INSTALLED = (
    "Squeaky has not been added to a Teams channel yet: add the app to the care team's channel, or set TEAMS_CHANNEL"
)


class TeamsPlace:
    """The care team's channel, the service URL and the tenant (settings first, then the installation)."""

    def __init__(self, settings: Settings, uow_factory: UnitOfWorkFactory) -> None:
        self._settings = settings
        self._uow = uow_factory
        self._lock = threading.Lock()
        self._read: tuple[dict[str, str], float] | None = None

    def _installation(self) -> dict[str, str]:
        with self._lock:
            if self._read is not None and time.monotonic() - self._read[1] < REREAD_SECONDS:
                return self._read[0]
        with self._uow() as uow:
            values = dict(uow.team.installation(SURFACE))
        with self._lock:
            self._read = (values, time.monotonic())
        return values

    @property
    def tenant(self) -> str:
        """The care team's tenant."""
        return self._settings.teams_tenant_id or self._installation().get("tenant", "")

    def channel(self) -> str:
        """The conversation id of the channel cards go to (DeliveryFailed, kept for later, while there is none)."""
        channel = self._settings.teams_channel or self._installation().get("channel")
        if not channel:
            raise DeliveryFailed(NOT_INSTALLED, outage=True, retry_after=15.0)  # the lane waits; nothing is lost
        return channel

    def service_url(self) -> str:
        """The Bot Connector's address for this tenant."""
        return self._settings.teams_service_url or self._installation().get("service_url") or PUBLIC_SERVICE_URL

    def learn(self, *, service_url: str, channel: str, team: str, tenant: str) -> None:
        """Remember what Teams said when the app was added to a team (its General channel, the address to call)."""
        values = {"service_url": service_url, "channel": channel, "team": team, "tenant": tenant}
        with self._uow() as uow:
            uow.team.remember_installation(SURFACE, values)
            uow.commit()
        with self._lock:
            self._read = (values, time.monotonic())
