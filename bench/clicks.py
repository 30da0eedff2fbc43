"""Click to ack, click to the clicker's view, and click to card updated: bursts of 50 concurrent signed clicks on Claim
by a team of 50 agents, each clicking once a burst, a second apart (and never before the last burst's cards show it).
p50/p99 from each click to Slack's 200, against a bare Bolt app that only acks given the same bursts, on the same server
in the same run; from each click to the clicked card replaced through the click's response_url (what the clicker sees;
Slack shows it to the channel too), and to the chat.update that shows the new owner to everyone, each against a bare
chat.update round trip to the same local Slack, 50 at once, in the same run. And 200 concurrent claims of one card. The
web app runs under gunicorn as `python -m bot web` does; one `python -m bot worker` decides the clicks and updates the
cards, with chat.update's Tier 3 lifted on both sides (50 clicks a second would need a thousand updates a minute; the
real Slack allows about 50, which the storm-claims run keeps). The run starts once a first burst of clicks has been
answered and its cards updated: the app and the worker are both serving, however long they took to load."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
import requests
from slack_sdk import WebClient
from sqlalchemy import func, select

from bench.ingest import scratch_database
from bench.percentiles import percentile
from bot.bootstrap import build_services
from bot.config import Settings
from bot.slack import action_ids
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.receive import receive
from sandbox.interactions import block_action, post_signed
from sandbox.slack_api import LocalSlack
from storage.sql.migrate import upgrade
from storage.sql.tables import audit_events, complaint_cards

PROJECT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret-0123456789"  # noqa: S105 - signs requests to a local server
SERVER = ["gunicorn", "2"]  # as `python -m bot web` runs with WEB_CONCURRENCY=2 on this 2-core machine
CONCURRENCY = 50
ROUNDS = 20  # bursts of CONCURRENCY clicks: enough samples for a steady p99
RACERS = 200
BURST_PAUSE = 1.0  # seconds from the end of one burst of clicks to the next (longer if its cards take longer)
READY_SECONDS = 60.0  # an app that loads the Teams SDK takes seconds to import on a busy 2-core machine


@dataclass
class ClickResult:
    """What the run measured."""

    squeaky_ms: list[float]
    bare_ms: list[float]
    clicker_ms: list[float]  # click to the clicked card replaced through its response_url
    updated_ms: list[float]  # click to the chat.update showing the new owner
    bare_update_ms: list[float]  # a bare chat.update round trip, 50 at once
    race_owners: int
    race_statuses: dict[int, int]


def app_env(database_url: str, redis_url: str, slack: LocalSlack) -> dict[str, str]:
    """The settings a served app runs with in the benchmarks: the run's database, Redis and local Slack."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_CHANNEL": "C0CARE",
        "SLACK_API_URL": f"{slack.url}/api/",
        "SLACK_TEAM_ID": slack.team_id,
        "SLACK_APP_ID": "A0SQUEAKY",
    }


def wait_until_answering(url: str, process: subprocess.Popen[str], seconds: float = READY_SECONDS) -> None:
    """Wait until `url` answers at all (any status): the app has loaded, however long its SDK takes to import."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:  # not listening yet, or listening but still loading
            if process.poll() is not None:
                raise RuntimeError(f"the app under test exited with {process.returncode} before answering") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app under test did not answer {url} within {seconds:.0f} s") from None
            time.sleep(0.1)


@contextmanager
def serve_app(which: str, env: dict[str, str], path: str = "/slack/events") -> Iterator[str]:
    """Run `bench.click_server` in its own process; yield the URL of `path` on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - our own module, fixed argv
        [sys.executable, "-m", "bench.click_server", which, str(port), *SERVER],
        env={**os.environ, **env, "PYTHONPATH": str(PROJECT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        url = f"http://127.0.0.1:{port}"
        wait_until_answering(f"{url}/healthz", process)
        yield f"{url}{path}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _clicks(
    url: str,
    complaint_ids: list[int],
    sent: dict[int, float] | None = None,
    slack: LocalSlack | None = None,
    card_ts: dict[int, str] | None = None,
) -> list[float]:
    """Click Claim on each complaint, CONCURRENCY at a time (the team's CONCURRENCY agents, one click each); return
    each click's time to HTTP 200, in ms (and note in `sent` when each click left). With `slack` and `card_ts`, each
    click names its card and carries a response_url the local Slack answers."""

    def one(complaint_id: int) -> float:
        ts = (card_ts or {}).get(complaint_id, "1.000001")
        agent = complaint_id % CONCURRENCY  # the team's CONCURRENCY agents, each clicking once in a burst
        payload = block_action(f"U{agent:08d}", f"agent{agent}", action_ids.CLAIM, str(complaint_id), "C0CARE", ts)
        if slack is not None:
            payload["response_url"] = slack.action_response_url("C0CARE", ts)
        if sent is not None:
            sent[complaint_id] = time.time()
        started = time.perf_counter()
        status = post_signed(url, SECRET, payload).status_code
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"click answered {status}")
        return elapsed

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        return list(pool.map(one, complaint_ids))


def _updated_ms(slack: LocalSlack, sent: dict[int, float], card_ts: dict[int, str], deadline: float) -> list[float]:
    """For each click, the time until the local Slack received the chat.update that shows its owner, in ms."""
    wanted = {card_ts[cid]: cid for cid in sent}
    seen: dict[int, float] = {}
    while time.time() < deadline and len(seen) < len(sent):
        for call in slack.calls_to("chat.update"):
            cid = wanted.get(str(call.params.get("ts")))
            if cid is not None and cid not in seen and "Claimed by" in str(call.params.get("blocks")):
                seen[cid] = call.at
        time.sleep(0.2)
    if len(seen) < len(sent):
        raise RuntimeError(f"{len(sent) - len(seen)} cards never showed their new owner")
    return [(seen[cid] - sent[cid]) * 1000 for cid in sent]


def _clicker_ms(slack: LocalSlack, sent: dict[int, float], card_ts: dict[int, str], deadline: float) -> list[float]:
    """For each click, the time until its card was replaced through the click's response_url, in ms."""
    wanted = {card_ts[cid]: cid for cid in sent}
    seen: dict[int, float] = {}
    while time.time() < deadline and len(seen) < len(sent):
        with slack.lock:
            replaced = list(slack.replaced)
        for _, ts, at in replaced:
            cid = wanted.get(ts)
            if cid is not None and cid not in seen:
                seen[cid] = at
        time.sleep(0.2)
    if len(seen) < len(sent):
        raise RuntimeError(f"{len(sent) - len(seen)} clicks never had their card replaced")
    return [(seen[cid] - sent[cid]) * 1000 for cid in sent]


def _bare_updates(slack: LocalSlack, ts: str, rounds: int) -> list[float]:
    """A bare chat.update of one message through slack-sdk, CONCURRENCY at a time: the floor of a card update."""
    client = WebClient(token=slack.token, base_url=f"{slack.url}/api/")

    def one(n: int) -> float:
        started = time.perf_counter()
        client.chat_update(channel="C0CARE", ts=ts, text=f"edit {n}")
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(one, range(CONCURRENCY)))  # warm up
        return list(pool.map(one, range(CONCURRENCY * rounds)))


@contextmanager
def running_worker(env: dict[str, str]) -> Iterator[None]:
    """`python -m bot worker` in its own process, for the run."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"],
        env={**os.environ, **env, "PYTHONPATH": str(PROJECT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield  # the caller's first burst waits until the worker has served it
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure(admin_url: str, redis_url: str) -> ClickResult:
    """Both apps on fresh data; then the race."""
    redis.Redis.from_url(redis_url).flushdb()  # a fresh dedupe set: these posts were seen by earlier runs
    slack = LocalSlack()
    slack.start()
    slack.update_limit = None  # see above: this run measures the path, the storm-claims run the budget
    try:
        with scratch_database(admin_url) as url:
            upgrade(url)
            settings = Settings(
                _env_file=None, database_url=url, redis_url=redis_url, slack_bot_token=slack.token,
                slack_signing_secret=SECRET, slack_channel="C0CARE", slack_api_url=f"{slack.url}/api/",
                slack_posts_per_second=1000, slack_post_burst=1000,
            )  # fmt: skip
            services = build_services(settings)
            now = datetime.now(UTC)
            items = [
                IncomingComplaint("bench", str(n), str(n), f"c{n}", f"C {n}", "@SqueakyAir late", now)
                for n in range(CONCURRENCY * ROUNDS + 1)
            ]
            ids = receive(services.uow_factory, services.clock, services.dedupe, services.triage, items).opened
            while services.outbox_runner.run_due(limit=500):
                pass
            with services.engine.connect() as connection:
                rows = connection.execute(select(complaint_cards.c.complaint_id, complaint_cards.c.reference))
                card_ts = {cid: str(reference["message"]) for cid, reference in rows}
            env = {**app_env(url, redis_url, slack), "SLACK_UPDATES_PER_SECOND": "1000"}
            with serve_app("squeaky", env) as events, running_worker(env):
                warm: dict[int, float] = {}
                _clicks(events, ids[:CONCURRENCY], warm, slack, card_ts)  # warm up connections and caches ...
                _updated_ms(slack, warm, card_ts, time.time() + 120)  # ... until the worker is serving too
                squeaky, clicker, updated = [], [], []
                for round_ in range(1, ROUNDS):  # 50 agents click at once, a burst a second
                    sent: dict[int, float] = {}
                    burst = ids[round_ * CONCURRENCY : (round_ + 1) * CONCURRENCY]
                    squeaky += _clicks(events, burst, sent, slack, card_ts)
                    burst_done = time.time()
                    clicker += _clicker_ms(slack, sent, card_ts, time.time() + 120)
                    updated += _updated_ms(slack, sent, card_ts, time.time() + 120)
                    time.sleep(max(0.0, burst_done + BURST_PAUSE - time.time()))
                race_id = ids[-1]
                racers = [
                    block_action(f"U{n:08d}", f"racer{n}", action_ids.CLAIM, str(race_id), "C0CARE", "1.000001")
                    for n in range(RACERS)
                ]
                start = threading.Barrier(RACERS)

                def race(payload: dict[str, Any]) -> int:
                    start.wait()
                    return post_signed(events, SECRET, payload).status_code

                with ThreadPoolExecutor(RACERS) as pool:
                    statuses = list(pool.map(race, racers))
                time.sleep(3)  # the worker decides after the acks
                with services.engine.connect() as connection:
                    owners = (
                        connection.execute(
                            select(func.count())
                            .select_from(audit_events)
                            .where(audit_events.c.action == "claim", audit_events.c.complaint_id == race_id)
                        ).scalar()
                        or 0
                    )
            services.engine.dispose()
        bare_updates = _bare_updates(slack, card_ts[ids[0]], ROUNDS)
        with serve_app("bare", env) as bare_events:
            _clicks(bare_events, list(range(CONCURRENCY)))
            bare = []
            for round_ in range(1, ROUNDS):  # the same bursts, a second apart
                bare += _clicks(bare_events, list(range(round_ * CONCURRENCY, (round_ + 1) * CONCURRENCY)))
                time.sleep(BURST_PAUSE)
    finally:
        slack.stop()
    counts: dict[int, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return ClickResult(squeaky, bare, clicker, updated, bare_updates, owners, counts)


def report(r: ClickResult) -> str:
    """The results, as Markdown."""
    p50, p99 = percentile(r.squeaky_ms, 0.5), percentile(r.squeaky_ms, 0.99)
    b50, b99 = percentile(r.bare_ms, 0.5), percentile(r.bare_ms, 0.99)
    ok = r.race_statuses.get(200, 0)
    u50, u99 = percentile(r.updated_ms, 0.5), percentile(r.updated_ms, 0.99)
    c50, c99 = percentile(r.clicker_ms, 0.5), percentile(r.clicker_ms, 0.99)
    f50, f99 = percentile(r.bare_update_ms, 0.5), percentile(r.bare_update_ms, 0.99)
    return "\n".join(
        [
            "| measure | result | target |",
            "|---|---|---|",
            f"| signed click to 200, Squeaky ({len(r.squeaky_ms)} clicks, {CONCURRENCY} at once) "
            f"| p50 {p50:.1f} ms · **p99 {p99:.1f} ms** | p99 ≤ 50 ms |",
            f"| the same against a bare Bolt app that only acks | p50 {b50:.1f} ms · p99 {b99:.1f} ms | |",
            f"| Squeaky p99 ÷ bare p99 | **{p99 / b99:.2f}** | ≤ 1.5 |",
            f"| click to the clicker's view, the card replaced through response_url ({len(r.clicker_ms)} clicks) "
            f"| p50 {c50:.0f} ms · **p99 {c99:.0f} ms** | |",
            f"| click to the card updated for everyone by chat.update ({len(r.updated_ms)} clicks, "
            f"{CONCURRENCY} at once) | p50 {u50:.0f} ms · **p99 {u99:.0f} ms** | p99 ≤ 1 s |",
            f"| a bare chat.update round trip to the same Slack, {CONCURRENCY} at once "
            f"| p50 {f50:.0f} ms · p99 {f99:.0f} ms | |",
            f"| clicker's view p99 ÷ bare chat.update p99 | **{c99 / f99:.2f}** | ≤ 2 |",
            f"| card updated for everyone p99 ÷ bare chat.update p99 | **{u99 / f99:.2f}** | |",
            f"| {RACERS} concurrent claims of one card "
            f"| {r.race_owners} owner · {ok} answered 200 · {RACERS - ok} errors | 1 owner, 0 errors |",
            f"| mean click, Squeaky / bare "
            f"| {statistics.mean(r.squeaky_ms):.1f} ms / {statistics.mean(r.bare_ms):.1f} ms | |",
        ]
    )
