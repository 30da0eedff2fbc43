"""The running product for end-to-end tests: real Bolt app over HTTP, real PostgreSQL and Redis, local Slack and X."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis

from bot.bootstrap import build_bolt_app, build_services
from bot.config import Settings
from bot.serving import BackgroundServer
from bot.web import WebApp
from bot.wiring import Services
from bot.worker import run_worker
from handlers.pipeline import consume_once
from sandbox.slack_api import LocalSlack
from sandbox.x_api import LocalX
from storage.sql.migrate import upgrade
from tests.conftest import REDIS_TEST_URL

SIGNING_SECRET = "e2e-signing-secret-0123456789"
CHANNEL = "C0CARE"
INTAKE_TOKEN = "intake-token-for-tests-0123"


@dataclass
class Running:
    """A running Squeaky with its stand-ins."""

    services: Services
    url: str
    slack: LocalSlack
    x: LocalX
    settings: Settings

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    def work(self) -> None:
        """One worker pass: a stream batch, then the due outbox (as the worker process does)."""
        s = self.services
        consume_once(s.queue, "e2e-worker", s.uow_factory, s.clock, s.dedupe, s.triage, block_ms=200)
        while s.outbox_runner.run_due():
            pass


Start = Callable[..., Running]


@pytest.fixture
def start_squeaky(pg_url: str, redis_client: redis.Redis, local_slack: LocalSlack, local_x: LocalX) -> Iterator[Start]:
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
        server = BackgroundServer(WebApp(build_bolt_app(services), services), host="127.0.0.1", port=0).start()
        threading.Thread(target=run_worker, args=(services, stop), kwargs={"block_ms": 100}, daemon=True).start()
        started.append((server, services))
        return Running(services, f"http://127.0.0.1:{server.port}", local_slack, local_x, settings)

    yield start
    stop.set()
    for server, services in started:
        server.close()
        services.engine.dispose()


@pytest.fixture
def squeaky(start_squeaky: Start) -> Running:
    """Squeaky with the default settings (built-in tickets, no user groups)."""
    return start_squeaky()
