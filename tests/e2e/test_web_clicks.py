"""A Slack click with no form is decided by the web process right after its ack and answered through its response_url,
with no worker running; the queued entry a worker reads later decides nothing twice, nor does the web process decide
again a click a worker took first. A click the web process holds when it dies is left to a worker, which decides it
once the click's lease expires."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from sqlalchemy import func, select

from bot.bootstrap import build_services
from bot.serving import BackgroundServer
from bot.slack import action_ids
from bot.slack.clicks import ClickDecider
from bot.slack.parts import slack_of
from bot.web import web_app
from bot.worker import run_worker
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.stream_codec import to_payload
from sandbox.interactions import block_action, post_signed
from sandbox.slack_api import LocalSlack
from sandbox.x_api import LocalX
from storage.sql.migrate import upgrade
from storage.sql.tables import audit_events, queued_clicks
from tests.conftest import REDIS_TEST_URL
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running
from tests.e2e.test_agent_card import _complaint_id
from tests.e2e.test_outage_clicks import slack_settings, told

pytestmark = pytest.mark.e2e


def _serve(pg_url: str, slack: LocalSlack, threads: int) -> Iterator[Running]:
    """Squeaky's web app alone (no worker), deciding clicks on `threads` threads of its own, until the test ends."""
    upgrade(pg_url)
    settings = slack_settings(pg_url, REDIS_TEST_URL, slack, slack_web_click_threads=threads)
    services = build_services(settings)
    server = BackgroundServer(web_app(services), host="127.0.0.1", port=0).start()
    yield Running(services, f"http://127.0.0.1:{server.port}", slack, LocalX(), settings)
    server.close()
    services.engine.dispose()


@pytest.fixture
def web_only(pg_url: str, redis_client: redis.Redis, local_slack: LocalSlack) -> Iterator[Running]:
    """Squeaky's web app deciding clicks itself, and no worker."""
    yield from _serve(pg_url, local_slack, threads=2)


@pytest.fixture
def busy_web(pg_url: str, redis_client: redis.Redis, local_slack: LocalSlack) -> Iterator[Running]:
    """Squeaky's web app with no room to decide clicks, and no worker yet."""
    yield from _serve(pg_url, local_slack, threads=0)


def _card(squeaky: Running) -> dict[str, Any]:
    """One complaint's card, posted."""
    post = IncomingComplaint("x", "7001", "c1", "flyer1", "Flyer", "@SqueakyAir bag lost, SQ1", datetime.now(UTC))
    squeaky.services.queue.add(to_payload(post))
    squeaky.work()
    return squeaky.slack.wait_for(lambda: (squeaky.slack.channel_messages(CHANNEL) or [None])[0], 20)


def _claim(squeaky: Running, user: str, card: dict[str, Any]) -> None:
    """`user` clicks Claim on the card; the click carries a response_url the local Slack answers."""
    complaint_id = _complaint_id(card)
    payload = block_action(f"U0{user.upper()}", user, action_ids.CLAIM, complaint_id, CHANNEL, card["ts"])
    payload["response_url"] = squeaky.slack.action_response_url(CHANNEL, card["ts"])
    assert post_signed(squeaky.events_url, SIGNING_SECRET, payload).status_code == 200


def _count(squeaky: Running, table: Any, *where: Any) -> int:
    with squeaky.services.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _claims(squeaky: Running) -> int:
    return _count(squeaky, audit_events, audit_events.c.action == "claim")


def _replaced_showing(squeaky: Running, card: dict[str, Any], text: str) -> bool:
    slack = squeaky.slack
    with slack.lock:
        replaced = [ts for _, ts, _ in slack.replaced if ts == card["ts"]]
    message = slack.messages.get((CHANNEL, card["ts"])) or {}
    return bool(replaced) and text in str(message.get("blocks"))


def test_a_claim_is_answered_by_the_web_process_and_its_queued_entry_decides_nothing_twice(web_only: Running) -> None:
    squeaky = web_only
    card = _card(squeaky)
    _claim(squeaky, "alice", card)
    squeaky.slack.wait_for(lambda: _replaced_showing(squeaky, card, "Claimed by <@U0ALICE>"), 20)  # no worker runs
    squeaky.slack.wait_for(lambda: _count(squeaky, queued_clicks) == 0, 10)  # decided: its record is gone
    assert _claims(squeaky) == 1
    entries = slack_of(squeaky.services).clicks.read("late-worker", 10, 1000)
    assert len(entries) == 1  # the fallback a worker would have decided, had the web process been busy or died
    ClickDecider(squeaky.services).decide(entries[0].payload)  # a worker reads it now: it was decided already
    assert _claims(squeaky) == 1
    assert told(squeaky.slack, "U0ALICE") == []  # no "already claimed by you" for a click decided twice
    with squeaky.slack.lock:
        assert [ts for _, ts, _ in squeaky.slack.replaced].count(card["ts"]) == 1


def test_a_click_a_dead_web_process_held_is_decided_by_a_worker_once_its_lease_expires(busy_web: Running) -> None:
    squeaky = busy_web
    services = squeaky.services
    card = _card(squeaky)
    _claim(squeaky, "alice", card)
    squeaky.slack.wait_for(lambda: _count(squeaky, queued_clicks) == 1, 10)
    with services.engine.connect() as connection:
        key = connection.execute(select(queued_clicks.c.key)).scalar_one()
    assert services.locks.acquire(f"click:{key}", 1.0) is not None  # a web process took it, then died
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(services, stop), kwargs={"block_ms": 100}, daemon=True)
    worker.start()
    try:
        squeaky.slack.wait_for(lambda: _replaced_showing(squeaky, card, "Claimed by <@U0ALICE>"), 30)
        squeaky.slack.wait_for(lambda: _count(squeaky, queued_clicks) == 0, 10)
        assert _claims(squeaky) == 1
        assert told(squeaky.slack, "U0ALICE") == []
    finally:
        stop.set()
        worker.join(timeout=15)


def test_a_click_a_worker_decided_first_is_not_decided_again_by_the_web_process(busy_web: Running) -> None:
    squeaky = busy_web
    card = _card(squeaky)
    _claim(squeaky, "alice", card)
    entries = slack_of(squeaky.services).clicks.read("quick-worker", 10, 5000)
    assert len(entries) == 1
    decider = ClickDecider(squeaky.services)
    decider.decide(entries[0].payload)  # the worker took it before the web process's thread came to it
    assert _replaced_showing(squeaky, card, "Claimed by <@U0ALICE>")
    assert not decider.decide_now(json.loads(str(entries[0].payload["click"])))  # the web process's turn comes
    assert _claims(squeaky) == 1
    assert told(squeaky.slack, "U0ALICE") == []
    with squeaky.slack.lock:
        assert [ts for _, ts, _ in squeaky.slack.replaced].count(card["ts"]) == 1
