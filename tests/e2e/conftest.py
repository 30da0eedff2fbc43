"""The running product for end-to-end tests: real Bolt app over HTTP, real PostgreSQL and Redis, local Slack and X."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import redis
from sqlalchemy import func, select

from bot.bootstrap import build_services
from bot.config import Settings
from bot.serving import BackgroundServer
from bot.web import web_app
from bot.wiring import Services
from bot.worker import run_worker
from handlers.intake.stream_batches import consume_once
from sandbox.slack_api import LocalSlack
from sandbox.teams_activities import CHANNEL as TEAMS_CHANNEL
from sandbox.teams_activities import TeamsClient
from sandbox.teams_api import LocalTeams
from sandbox.x_api import LocalX
from sandbox.zendesk_api import LocalZendesk
from storage.sql.migrate import upgrade
from storage.sql.tables import outbox
from tests.conftest import REDIS_TEST_URL

SIGNING_SECRET = "e2e-signing-secret-0123456789"
CHANNEL = "C0CARE"
SLACK_TEAM, SLACK_APP = "T0SQUEAKY", "A0SQUEAKY"  # the workspace and app the local Slack's payloads name
INTAKE_TOKEN = "intake-token-for-tests-0123"
SOON_SECONDS = 3.0  # `work()` waits for outbox messages due this soon (a paused lane), not for long backoffs


@dataclass
class Running:
    """A running Squeaky with its stand-ins."""

    services: Services
    url: str
    slack: LocalSlack
    x: LocalX
    settings: Settings
    teams: LocalTeams | None = None

    @property
    def teams_client(self) -> TeamsClient:
        """Teams' side of the conversation with this Squeaky (Teams must be on)."""
        assert self.teams is not None
        return TeamsClient(self.teams, f"{self.url}/api/messages")

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    def work(self, timeout: float = 20.0) -> None:
        """A stream batch, then the outbox until nothing is due within a few seconds: what the worker process does
        given a moment (the background worker may hold some of it; a rate limit may pause a lane meanwhile)."""
        s = self.services
        consume_once(s.queue, "e2e-worker", s.uow_factory, s.clock, s.dedupe, s.triage, block_ms=200)
        deadline = time.monotonic() + timeout
        while True:
            busy = s.queue.pending()  # a batch the background worker is storing
            if not busy:
                s.outbox_runner.run_due()
                soon = s.clock.now() + timedelta(seconds=SOON_SECONDS)
                with s.engine.connect() as connection:
                    busy = connection.execute(
                        select(func.count())
                        .select_from(outbox)
                        .where(outbox.c.status == "pending", outbox.c.available_at <= soon)
                    ).scalar()
            if not busy:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{busy} stream entries or outbox messages still due after {timeout}s")
            time.sleep(0.05)


Start = Callable[..., Running]


@pytest.fixture
def start_squeaky(
    pg_url: str, redis_client: redis.Redis, local_slack: LocalSlack, local_x: LocalX, local_teams: LocalTeams
) -> Iterator[Start]:
    """Start Squeaky's web app on an ephemeral port, with any settings overridden; stopped after the test."""
    upgrade(pg_url)
    started: list[tuple[Any, Services]] = []
    stop = threading.Event()  # the worker, as the worker process runs it

    def start(**overrides: Any) -> Running:
        values: dict[str, Any] = {
            "database_url": pg_url,
            "redis_url": REDIS_TEST_URL,
            "slack_bot_token": local_slack.token,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_channel": CHANNEL,
            "slack_team_id": SLACK_TEAM,
            "slack_app_id": SLACK_APP,
            "slack_api_url": f"{local_slack.url}/api/",
            "x_bearer_token": local_x.bearer_token,
            "x_api_url": local_x.url,
            "x_brand_handles": [local_x.brand],
            "x_api_key": "local-key",
            "x_api_secret": "local-key-secret",
            "x_access_token": "local-access-token",
            "x_access_token_secret": "local-access-secret",
            "intake_token": INTAKE_TOKEN,
            "oncall_user": "U0ONCALL",
        }
        settings = Settings(_env_file=None, **{**values, **overrides})
        services = build_services(settings)
        server = BackgroundServer(web_app(services), host="127.0.0.1", port=0).start()
        threading.Thread(target=run_worker, args=(services, stop), kwargs={"block_ms": 100}, daemon=True).start()
        started.append((server, services))
        teams = local_teams if "teams" in settings.chat_surfaces else None
        return Running(services, f"http://127.0.0.1:{server.port}", local_slack, local_x, settings, teams)

    yield start
    stop.set()
    for server, services in started:
        server.close()
        services.engine.dispose()


@pytest.fixture
def local_teams() -> Iterator[LocalTeams]:
    """The local Teams: its issuer, token endpoint and Bot Connector, on an ephemeral port."""
    server = LocalTeams()
    server.start()
    yield server
    server.stop()


def teams_settings(teams: LocalTeams, *, slack: bool = False, **more: Any) -> dict[str, Any]:
    """Settings that turn Teams on against the local Teams (and Slack off unless `slack`)."""
    values: dict[str, Any] = {
        "teams_app_id": teams.app_id,
        "teams_app_password": teams.client_secret,
        "teams_tenant_id": teams.tenant_id,
        "teams_channel": TEAMS_CHANNEL,
        "teams_service_url": teams.service_url,
        "teams_openid_metadata_url": teams.openid_metadata_url,
        "teams_login_url": teams.url,
        "teams_allowed_service_urls": [teams.service_url],  # Microsoft's Bot Connector is not reached in tests
        **more,
    }
    if not slack:
        values |= {"slack_bot_token": None, "slack_channel": None, "slack_signing_secret": None}
    return values


@pytest.fixture
def zendesk() -> Iterator[LocalZendesk]:
    """A local Zendesk (the tickets API)."""
    server = LocalZendesk()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def squeaky(start_squeaky: Start) -> Running:
    """Squeaky with the default settings (built-in tickets, no user groups)."""
    return start_squeaky()
