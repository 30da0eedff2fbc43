"""Redis restarting empty, for real (a redis-server of the test's own, killed and started again): the posts a feed
read are stored from the database's arrivals though the stream that carried them is gone and the network no longer
shows them, and a click queued on the lost stream is answered "click again", never dropped in silence; the web
process and the worker reconnect by themselves and the worker's consumer group is made anew."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.bootstrap import build_core, build_services
from bot.config import Settings
from bot.intake_http import IntakeLimits, handle_intake
from bot.network_feeds import NetworkFeed, Page, read_feed
from bot.safekeeping import AGAIN, answer_lost_clicks, arrivals_keeper
from bot.serving import BackgroundServer
from bot.slack import action_ids
from bot.web import web_app
from bot.worker import run_worker
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.arrival_sweep import sweep_arrivals
from handlers.intake.stream_batches import consume_once
from handlers.intake.stream_codec import to_payload
from sandbox.slack_api import LocalSlack
from sandbox.x_api import LocalX
from storage.sql.migrate import upgrade
from storage.sql.tables import arrivals, complaints, queued_clicks
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, SLACK_APP, SLACK_TEAM, Running
from tests.e2e.test_agent_card import click
from tests.e2e.test_fault_drills import showing
from tests.e2e.test_intake import INTAKE_TOKEN
from tests.e2e.test_intake import post as intake_post
from tests.e2e.test_outage_clicks import told
from tests.private_servers import PrivateRedis

pytestmark = pytest.mark.e2e


def _count(engine: Any, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _post(n: int) -> IncomingComplaint:
    return IncomingComplaint(
        "x", str(5000 + n), f"c{n}", f"flyer{n}", "Flyer", f"@SqueakyAir bag lost, SQ{n}", datetime.now(UTC)
    )


def test_posts_read_before_redis_restarts_empty_are_stored_from_the_arrivals(
    pg_url: str, private_redis: PrivateRedis
) -> None:
    upgrade(pg_url)
    core = build_core(Settings(_env_file=None, database_url=pg_url, redis_url=private_redis.url))
    shown = [[_post(n) for n in range(120)]]  # one poll's page, then the network shows nothing older again

    def fetch(since: str | None, until: str | None, token: str | None) -> Page:
        items = shown.pop() if shown else []
        newest = max((i.external_id for i in items), default=None)
        return Page(items[::-1], newest, min((i.external_id for i in items), default=None), None)

    feed = NetworkFeed("x:test-loss", "a test feed", fetch)
    try:
        assert read_feed(feed, core.queue, core.uow_factory).fetched == 120
        assert _count(core.engine, arrivals) == 120  # kept with the position, before any worker stored one
        private_redis.stop()
        private_redis.start()  # back, empty: the stream and its consumer group are gone
        read_feed(feed, core.queue, core.uow_factory)  # the stream's loss seen, the feed read again: nothing shown
        batch = consume_once(core.queue, "w1", core.uow_factory, core.clock, core.dedupe, core.triage, block_ms=50)
        assert batch.entries == 0 and _count(core.engine, complaints) == 0  # the stream lost all 120
        swept = sweep_arrivals(core.uow_factory, core.clock, core.dedupe, core.triage, grace=timedelta(0))
        assert len(swept.opened) == 120
        assert _count(core.engine, complaints) == 120 and _count(core.engine, arrivals) == 0
        again = sweep_arrivals(core.uow_factory, core.clock, core.dedupe, core.triage, grace=timedelta(0))
        assert again.opened == [] and _count(core.engine, complaints) == 120
    finally:
        core.engine.dispose()


def test_arrivals_already_stored_through_the_stream_are_forgotten_without_a_second_case(
    pg_url: str, private_redis: PrivateRedis
) -> None:
    upgrade(pg_url)
    core = build_core(Settings(_env_file=None, database_url=pg_url, redis_url=private_redis.url))
    pages = [[_post(n) for n in range(30)]]

    def fetch(since: str | None, until: str | None, token: str | None) -> Page:
        items = pages.pop() if pages else []
        return Page(items[::-1], max((i.external_id for i in items), default=None), None, None)

    try:
        read_feed(NetworkFeed("x:test-stored", "a test feed", fetch), core.queue, core.uow_factory)
        consume_once(core.queue, "w1", core.uow_factory, core.clock, core.dedupe, core.triage, block_ms=50)
        assert _count(core.engine, complaints) == 30
        private_redis.stop()
        private_redis.start()  # the dedupe set is gone too: the database's unique keys decide
        swept = sweep_arrivals(core.uow_factory, core.clock, core.dedupe, core.triage, grace=timedelta(0))
        assert swept.opened == [] and swept.duplicates == 30
        assert _count(core.engine, complaints) == 30 and _count(core.engine, arrivals) == 0
    finally:
        core.engine.dispose()


@pytest.fixture
def web_only(pg_url: str, private_redis: PrivateRedis, local_slack: LocalSlack) -> Iterator[Running]:
    """Squeaky's web app on the test's own Redis, no worker yet (the test starts one when it wants clicks decided);
    the web process decides no click itself, as when it is busy: each waits on the queue for a worker."""
    upgrade(pg_url)
    settings = Settings(
        _env_file=None,
        database_url=pg_url,
        redis_url=private_redis.url,
        slack_bot_token=local_slack.token,
        slack_signing_secret=SIGNING_SECRET,
        slack_channel=CHANNEL,
        slack_api_url=f"{local_slack.url}/api/",
        slack_team_id=SLACK_TEAM,
        slack_app_id=SLACK_APP,
        slack_web_click_threads=0,
    )
    services = build_services(settings)
    server = BackgroundServer(web_app(services), host="127.0.0.1", port=0).start()
    yield Running(services, f"http://127.0.0.1:{server.port}", local_slack, LocalX(), settings)
    server.close()
    services.engine.dispose()


def test_a_click_queued_when_redis_restarts_empty_is_answered_click_again_and_the_next_one_is_decided(
    web_only: Running, private_redis: PrivateRedis
) -> None:
    squeaky, slack = web_only, web_only.slack
    services = squeaky.services
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(services, stop), kwargs={"block_ms": 100}, daemon=True)
    services.queue.add(to_payload(_post(1)))
    worker.start()
    try:
        card: dict[str, Any] = slack.wait_for(lambda: (slack.channel_messages(CHANNEL) or [None])[0], 20)
        stop.set()
        worker.join(timeout=15)  # no worker: the next click waits on the stream
        click(squeaky, "alice", card, action_ids.CLAIM)
        slack.wait_for(lambda: _count(services.engine, queued_clicks) == 1, 10)
        private_redis.stop()
        private_redis.start()  # back, empty: the queued click is gone with the stream
        stop = threading.Event()
        worker = threading.Thread(target=run_worker, args=(services, stop), kwargs={"block_ms": 100}, daemon=True)
        worker.start()  # the same clients reconnect; the consumer groups are made anew
        assert told(slack, "U0ALICE") == []
        assert answer_lost_clicks(services, after=0) == 1
        assert told(slack, "U0ALICE") == [AGAIN]
        assert answer_lost_clicks(services, after=0) == 0  # answered once
        click(squeaky, "alice", card, action_ids.CLAIM)  # clicked again: decided
        showing(squeaky, card, "Claimed by <@U0ALICE>")
        slack.wait_for(lambda: _count(services.engine, queued_clicks) == 0, 10)  # a decided click leaves no record
        assert told(slack, "U0ALICE") == [AGAIN]
    finally:
        stop.set()
        worker.join(timeout=15)


def test_posts_sent_to_the_http_intake_before_redis_restarts_empty_are_stored_from_the_arrivals(
    pg_url: str, private_redis: PrivateRedis
) -> None:
    upgrade(pg_url)
    core = build_core(Settings(_env_file=None, database_url=pg_url, redis_url=private_redis.url))
    limits = IntakeLimits(core.limiter, 60)
    body = json.dumps({"posts": [intake_post(n) for n in range(12)]}).encode()
    try:
        given = f"Bearer {INTAKE_TOKEN}"
        answer = handle_intake(INTAKE_TOKEN, given, "application/json", body, core.queue, limits, arrivals_keeper(core))
        assert answer.status == 202
        assert _count(core.engine, arrivals) == 12
        private_redis.stop()
        private_redis.start()  # back, empty: the accepted posts are gone from the stream
        swept = sweep_arrivals(core.uow_factory, core.clock, core.dedupe, core.triage, grace=timedelta(0))
        assert len(swept.opened) == 12 and _count(core.engine, complaints) == 12
    finally:
        core.engine.dispose()
