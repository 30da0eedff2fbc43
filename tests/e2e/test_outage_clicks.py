"""A click while PostgreSQL is down, on the real Bolt app over signed HTTP with a worker, against a PostgreSQL of
the test's own that it really stops and starts again: the agent always gets an answer, the form or a private "that
did not go through, click again", and the same click works once the database is back; a form sent meanwhile says so
in the form, which keeps what was typed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import build_services
from bot.config import Settings
from bot.serving import BackgroundServer
from bot.slack import action_ids
from bot.web import web_app
from bot.worker import run_worker
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.stream_codec import to_payload
from sandbox.slack_api import LocalSlack
from sandbox.x_api import LocalX
from storage.sql.migrate import upgrade
from storage.sql.tables import complaints
from tests.conftest import REDIS_TEST_URL
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, SLACK_APP, SLACK_TEAM, Running
from tests.e2e.test_agent_card import click, opened_view, submit
from tests.e2e.test_fault_drills import showing
from tests.private_servers import PrivatePostgres, PrivateRedis

pytestmark = pytest.mark.e2e


def slack_settings(database_url: str, redis_url: str, slack: LocalSlack, **more: Any) -> Settings:
    """Squeaky's settings for the local Slack on these servers."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        redis_url=redis_url,
        slack_bot_token=slack.token,
        slack_signing_secret=SIGNING_SECRET,
        slack_channel=CHANNEL,
        slack_api_url=f"{slack.url}/api/",
        slack_team_id=SLACK_TEAM,
        slack_app_id=SLACK_APP,
        **more,
    )


def running(database_url: str, redis_url: str, slack: LocalSlack) -> Iterator[Running]:
    """Squeaky's web app and one worker on these servers, until the test ends."""
    upgrade(database_url)
    settings = slack_settings(database_url, redis_url, slack)
    services = build_services(settings)
    server = BackgroundServer(web_app(services), host="127.0.0.1", port=0).start()
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(services, stop), kwargs={"block_ms": 100}, daemon=True)
    worker.start()
    yield Running(services, f"http://127.0.0.1:{server.port}", slack, LocalX(), settings)
    stop.set()
    worker.join(timeout=15)
    server.close()
    services.engine.dispose()


@pytest.fixture
def squeaky(private_postgres: PrivatePostgres, redis_client: object, local_slack: LocalSlack) -> Iterator[Running]:
    """Squeaky on the test's own PostgreSQL."""
    yield from running(private_postgres.url, REDIS_TEST_URL, local_slack)


@pytest.fixture
def squeaky_on_own_redis(pg_url: str, private_redis: PrivateRedis, local_slack: LocalSlack) -> Iterator[Running]:
    """Squeaky on the test's own Redis."""
    yield from running(pg_url, private_redis.url, local_slack)


def a_card(squeaky: Running) -> dict[str, Any]:
    """A complaint arrives on the stream; return its card once the worker has posted it."""
    slack = squeaky.slack
    post = IncomingComplaint(
        "x", "1900", "c1", "maria_k", "Maria", "@SqueakyAir my bag never arrived, SQ212", datetime.now(UTC)
    )
    squeaky.services.queue.add(to_payload(post))
    card: dict[str, Any] = slack.wait_for(
        lambda: slack.channel_messages(CHANNEL) and slack.channel_messages(CHANNEL)[0], 20
    )
    return card


def told(slack: LocalSlack, user: str) -> list[str]:
    """What was said privately to `user`."""
    return [c.params["text"] for c in slack.calls_to("chat.postEphemeral") if c.params.get("user") == user]


def test_acknowledge_clicked_while_postgres_is_down_says_click_again_then_opens_the_form(
    squeaky: Running, private_postgres: PrivatePostgres
) -> None:
    slack = squeaky.slack
    card = a_card(squeaky)
    click(squeaky, "alice", card, action_ids.CLAIM)
    showing(squeaky, card, "Claimed by <@U0ALICE>")
    private_postgres.stop()
    try:
        click(squeaky, "alice", card, action_ids.ACKNOWLEDGE)  # acked with a 200, as Slack wants within 3 s
        said = slack.wait_for(lambda: told(slack, "U0ALICE"), 10)
        assert said == [
            "That did not go through: Squeaky cannot reach its database just now. Please click again in a moment."
        ]
        assert slack.views == []
    finally:
        private_postgres.start()
    click(squeaky, "alice", card, action_ids.ACKNOWLEDGE)  # clicked again once the database is back
    view = opened_view(squeaky, 1)
    assert view["callback_id"] and len(told(slack, "U0ALICE")) == 1
    private_postgres.stop()  # down again as the reply is sent: the form says so and keeps what was typed
    try:
        answer = submit(squeaky, "alice", view, {"text:0": "Hi Maria, we are on it."})
    finally:
        private_postgres.start()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"].values()) == [
        "That did not go through: Squeaky cannot reach its database just now. Please submit again in a moment."
    ]
    answer = submit(squeaky, "alice", view, {"text:0": "Hi Maria, we are on it."})  # sent again, it goes through
    assert "response_action" not in answer
    with squeaky.services.engine.connect() as connection:
        assert connection.execute(select(complaints.c.status)).scalar() == "acknowledged"


def test_claim_clicked_while_redis_is_down_says_click_again_in_one_log_line_then_claims(
    squeaky_on_own_redis: Running, private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    squeaky, slack = squeaky_on_own_redis, squeaky_on_own_redis.slack
    card = a_card(squeaky)
    private_redis.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="bot.slack.listeners"):
            click(squeaky, "alice", card, action_ids.CLAIM)  # it cannot be queued for a worker
            said = slack.wait_for(lambda: told(slack, "U0ALICE"), 10)
    finally:
        private_redis.start()  # back, and empty
    assert said == ["That did not go through: Squeaky cannot reach its queue just now. Please click again in a moment."]
    logged = [r for r in caplog.records if r.name == "bot.slack.listeners"]
    assert [r.getMessage() for r in logged] == [
        "a claim click could not be queued: Redis is unreachable (ConnectionError)"
    ]
    assert logged[0].exc_info is None
    click(squeaky, "alice", card, action_ids.CLAIM)
    showing(squeaky, card, "Claimed by <@U0ALICE>")
