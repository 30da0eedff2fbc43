"""Storm: 10,000 customer posts from the twcs rows (many of them follow-ups) arrive within 10 s at the web app's
HTTP intake (gunicorn, as `python -m bot web` serves it, beside Bolt); one `python -m bot worker` process stores,
threads and cards them in PostgreSQL and Redis; the local Slack enforces about one message a second per channel
with bursts of two, and answers 429 with Retry-After. A dozen of the storm's customers are VIPs. The figures are
read after a fixed observation window: at one card a second, most standard cards are still queued then, by rank."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import redis
import requests
from sqlalchemy import Engine, exists, func, select

from bench import corpus
from bench.clicks import PROJECT, app_env, serve_app
from bench.ingest import run_bare_insert, scratch_database
from bot.bootstrap import build_core
from bot.config import Settings
from bot.slack.gateway import CARD_EVENT
from bot.sources.twcs import read_twcs
from handlers.domain.complaint import IncomingComplaint
from sandbox.slack_api import LocalSlack
from sandbox.slack_limits import ChannelPostLimit
from storage.sql.migrate import upgrade
from storage.sql.tables import complaint_cards, complaints, messages
from storage.sql.tables import workers as workers_table

POSTS = 10_000
STORM_SECONDS = 10.0
REQUESTS = 100  # 100 posts each, one request every 0.1 s
VIPS = 12
OBSERVE_SECONDS = 90.0  # from the first post to the reading of the figures
INTAKE_TOKEN = "bench-intake-token-0123456789"  # noqa: S105 - a local server's token
CHANNEL = "C0CARE"
SOURCE = "twcs"
# A VIP counts as waiting from this long after it was stored: its intake transaction commits, and the worker's
# pass that was already posting a card when it arrived finishes that post.
WAITING_FROM = 0.25


@dataclass
class Timings:
    """The run's clock readings, taken before its outcome is read."""

    started: float  # when the first request of the storm was sent (time.time)
    send_seconds: float
    store_seconds: float
    bare_insert_seconds: float
    worker_peak_mb: float
    observed_seconds: float


@dataclass
class Pauses:
    """How long the worker's outbox lanes were paused, and why, from its log."""

    count: dict[tuple[str, str], int] = field(default_factory=dict)  # (lane, why) -> pauses
    seconds: dict[tuple[str, str], float] = field(default_factory=dict)  # (lane, why) -> seconds asked for


_PAUSE = re.compile(r"outbox lane (\S+) paused for ([\d.]+)s: (.*)$")


def read_pauses(log: str) -> Pauses:
    """Every lane pause the worker logged (at DEBUG, its own pacing too), grouped by lane and kind of reason."""
    pauses = Pauses()
    for line in log.splitlines():
        found = _PAUSE.search(line)
        if found is None:
            continue
        lane, seconds, reason = found[1], float(found[2]), found[3]
        why = "our own pace" if reason.startswith("pacing") else "429" if "rate limited" in reason else "outage"
        pauses.count[(lane, why)] = pauses.count.get((lane, why), 0) + 1
        pauses.seconds[(lane, why)] = pauses.seconds.get((lane, why), 0.0) + seconds
    return pauses


@dataclass
class StormResult:
    """What the run measured."""

    timings: Timings
    sent: int
    stored: int
    cases: int
    followups: int
    filtered: int
    vip_cases: int
    cards: int
    duplicate_cards: int
    thread_lines: int
    orphan_lines: int
    followups_of_carded: int
    inversions: int
    vip_card_seconds: list[float]
    vip_store_seconds: list[float]  # arrival to stored: the ingest part of a VIP's wait
    first_card_seconds: float  # from the storm's first request
    first_vip_card_seconds: float
    pauses: Pauses
    slack_calls: int
    refusals: int
    early_calls: int
    card_spacing: list[float] = field(default_factory=list)


def storm_posts(total: int, path: Path | None = None) -> list[IncomingComplaint]:
    """The file's customer posts (not the brands' answers), repeated with fresh ids until there are `total`."""
    base = [p for p in read_twcs(path or corpus.path()) if isinstance(p, IncomingComplaint) and not p.from_brand]
    out: list[IncomingComplaint] = []
    for round_ in range(total // len(base) + 1):
        tag = f"s{round_}-"
        out += [
            replace(
                p,
                source=SOURCE,
                external_id=tag + p.external_id,
                author_id=tag + p.author_id,
                author_handle=tag + p.author_handle,
                in_reply_to_id=tag + p.in_reply_to_id if p.in_reply_to_id else None,
                conversation_id=tag + p.conversation_id if p.conversation_id else None,
            )
            for p in base
        ]
    return out[:total]


def _as_post(p: IncomingComplaint) -> dict[str, Any]:
    post: dict[str, Any] = {
        "source": p.source,
        "id": p.external_id,
        "author": {"id": p.author_id, "handle": p.author_handle, "name": p.author_name or p.author_handle},
        "text": p.text,
        "created_at": p.created_at.isoformat(),
    }
    if p.in_reply_to_id:
        post["in_reply_to_id"] = p.in_reply_to_id
    if p.conversation_id:
        post["conversation_id"] = p.conversation_id
    return post


def pick_vips(items: list[IncomingComplaint], count: int) -> set[str]:
    """Authors of opening posts spread evenly over the storm (lower-case handles)."""
    openers = [p.author_handle.lower() for p in items if not p.in_reply_to_id]
    step = max(1, len(openers) // count)
    return set(openers[step // 2 :: step][:count])


def send_posts(
    urls: list[str], items: list[IncomingComplaint], count: int = REQUESTS
) -> tuple[dict[str, float], float]:
    """POST the posts in `count` requests spread evenly over STORM_SECONDS, to each of `urls` in turn; return each
    post's arrival (its 202) and the span."""
    batches = [items[n * len(items) // count : (n + 1) * len(items) // count] for n in range(count)]
    bodies = [json.dumps({"posts": [_as_post(p) for p in batch]}) for batch in batches]
    headers = {"Authorization": f"Bearer {INTAKE_TOKEN}", "Content-Type": "application/json"}
    arrivals: dict[str, float] = {}
    started = time.time()

    def one(n: int) -> None:
        time.sleep(max(0.0, started + n * STORM_SECONDS / count - time.time()))
        answer = requests.post(urls[n % len(urls)], data=bodies[n], headers=headers, timeout=30)
        if answer.status_code != 202:
            raise RuntimeError(f"intake answered {answer.status_code}: {answer.text[:200]}")
        done = time.time()
        for p in batches[n]:
            arrivals[p.external_id] = done

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(count)))
    return arrivals, time.time() - started


def storm_env(database_url: str, redis_url: str, slack: LocalSlack) -> dict[str, str]:
    """A storm's settings: the run's database, Redis and local Slack, the intake's token, and someone on call (a team
    that pages on VIPs has someone on call: the pages go to their direct messages)."""
    return {
        **app_env(database_url, redis_url, slack),
        "INTAKE_TOKEN": INTAKE_TOKEN,
        "INTAKE_REQUESTS_PER_MINUTE": "1000000",  # a storm measures throughput, not the intake's pace for one token
        "ONCALL_USER": "U0ONCALL",
    }


def register_vips(core: Any, handles: set[str]) -> None:
    """Put these customers in the VIP registry."""
    with core.uow_factory() as uow:
        for handle in sorted(handles):
            uow.customers.set_tier(handle, "vip")
        uow.commit()


def start_worker(env: dict[str, str], log: Any = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """`python -m bot worker` with these settings, its output into `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"],
        env={**os.environ, **env, "PYTHONPATH": str(PROJECT)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_beating(engine: Engine, workers: int = 1, seconds: float = 60.0) -> None:
    """Wait until `workers` worker processes beat in the database (every one of their threads is running), however
    long they took to load; a worker that never does is an error, not a slower figure."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(select(func.count()).select_from(workers_table)).scalar_one() >= workers:
                return
        time.sleep(0.1)
    raise TimeoutError(f"no {workers} worker(s) beating after {seconds:.0f} s: see the worker's log")


def _peak_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(admin_url: str, redis_url: str) -> StormResult:
    """The storm on a fresh database and Redis; the bare INSERT of the same rows on another."""
    items = storm_posts(POSTS)
    vips = pick_vips(items, VIPS)
    redis.Redis.from_url(redis_url).flushdb()
    slack = LocalSlack()
    slack.post_limit = ChannelPostLimit(per_second=1.0, burst=2)
    slack.start()
    try:
        with scratch_database(admin_url) as url:
            bare = run_bare_insert(items, url)
        with scratch_database(admin_url) as url:
            upgrade(url)
            core = build_core(Settings(_env_file=None, database_url=url, redis_url=redis_url))
            register_vips(core, vips)
            env = storm_env(url, redis_url, slack)
            worker_env = {**env, "LOG_LEVEL": "DEBUG"}  # every lane pause, our own pacing included
            with tempfile.TemporaryFile("w+") as worker_log, serve_app("squeaky", env) as events:
                worker = start_worker(worker_env, worker_log)
                try:
                    wait_beating(core.engine)
                    first = time.time()
                    arrivals, send_seconds = send_posts([events.replace("/slack/events", "/intake")], items)
                    stored_at = _wait_stored(core.engine, len(items), first + 120)
                    _wait_vip_cards(core.engine, first + OBSERVE_SECONDS)
                    time.sleep(max(0.0, first + OBSERVE_SECONDS - time.time()))
                    peak = _peak_mb(worker.pid)
                finally:
                    worker.terminate()
                    worker.wait(timeout=30)
                worker_log.seek(0)
                pauses = read_pauses(worker_log.read())
            timings = Timings(first, send_seconds, stored_at - first, bare, peak, time.time() - first)
            result = _read(core.engine, slack, items, arrivals, vips, timings, pauses)
            core.engine.dispose()
    finally:
        slack.stop()
    return result


def _wait_stored(engine: Any, total: int, deadline: float) -> float:
    while time.time() < deadline:
        with engine.connect() as connection:
            stored = connection.execute(select(func.count()).select_from(messages)).scalar() or 0
        if stored >= total:
            return time.time()
        time.sleep(0.1)
    return time.time()


def _wait_vip_cards(engine: Any, deadline: float) -> None:
    while time.time() < deadline:
        with engine.connect() as connection:
            waiting = connection.execute(
                select(func.count())
                .select_from(complaints)
                .where(
                    complaints.c.tier == "vip",
                    ~exists().where(complaint_cards.c.complaint_id == complaints.c.id),
                )
            ).scalar()
        if not waiting:
            return
        time.sleep(0.2)


def _read(
    engine: Any,
    slack: LocalSlack,
    items: list[IncomingComplaint],
    arrivals: dict[str, float],
    vips: set[str],
    timings: Timings,
    pauses: Pauses,
) -> StormResult:
    """Everything the figures need, from the database and from what the local Slack received."""
    with engine.connect() as connection:
        cases = {
            row.id: row
            for row in connection.execute(
                select(complaints.c.id, complaints.c.external_id, complaints.c.tier, complaints.c.received_at)
            )
        }
        kinds = dict(connection.execute(select(messages.c.kind, func.count()).group_by(messages.c.kind)).tuples().all())
        stored = sum(kinds.values())
        followup_cases = connection.execute(
            select(messages.c.complaint_id).where(messages.c.kind == "followup")
        ).scalars()
        followup_case_ids = list(followup_cases)
    posted = slack.channel_messages(CHANNEL)
    card_at: dict[int, float] = {}
    duplicates = 0
    card_ts: set[str] = set()
    for message in posted:
        meta = message.get("metadata") or {}
        if meta.get("event_type") != CARD_EVENT:
            continue
        complaint_id = int(meta["event_payload"]["complaint_id"])
        duplicates += complaint_id in card_at
        card_at.setdefault(complaint_id, float(message["ts"]))
        card_ts.add(str(message["ts"]))
    with slack.lock:
        lines = [m for (c, _ts), m in slack.messages.items() if c == CHANNEL and m.get("thread_ts")]
    orphans = sum(1 for m in lines if str(m["thread_ts"]) not in card_ts)
    vip_ids = {cid for cid, row in cases.items() if row.tier == "vip"}
    vip_seconds = [card_at[cid] - arrivals[cases[cid].external_id] for cid in vip_ids if cid in card_at]
    vip_stored = [cases[cid].received_at.timestamp() - arrivals[cases[cid].external_id] for cid in vip_ids]
    inversions = 0
    for cid, at in card_at.items():
        if cid in vip_ids:
            continue
        inversions += sum(
            1
            for vid in vip_ids
            if cases[vid].received_at.timestamp() + WAITING_FROM < at and card_at.get(vid, float("inf")) > at
        )
    spacing = sorted(card_at.values())
    if os.environ.get("SQUEAKY_BENCH_TIMELINE"):  # what the channel received, in order, for a closer look
        start = min(arrivals.values())
        for message in sorted(posted + lines, key=lambda m: float(m["ts"])):
            meta = (message.get("metadata") or {}).get("event_payload") or {}
            cid = meta.get("complaint_id")
            what = f"card {cases[cid].tier}" if cid else ("thread" if message.get("thread_ts") else "message")
            print(f"{float(message['ts']) - start:7.2f} {what} {str(message.get('text'))[:60]!r}", file=sys.stderr)
    limit = slack.post_limit
    return StormResult(
        timings=timings,
        sent=len(items),
        stored=stored,
        cases=kinds.get("opening", 0),
        followups=kinds.get("followup", 0),
        filtered=kinds.get("filtered", 0),
        vip_cases=len(vip_ids),
        cards=len(card_at),
        duplicate_cards=duplicates,
        thread_lines=len(lines),
        orphan_lines=orphans,
        followups_of_carded=sum(1 for cid in followup_case_ids if cid in card_at),
        inversions=inversions,
        vip_card_seconds=vip_seconds,
        vip_store_seconds=vip_stored,
        first_card_seconds=min(card_at.values(), default=float("nan")) - timings.started,
        first_vip_card_seconds=min((card_at[c] for c in vip_ids if c in card_at), default=float("nan"))
        - timings.started,
        pauses=pauses,
        slack_calls=len(slack.calls) + (len(limit.refusals) if limit else 0),
        refusals=len(limit.refusals) if limit else 0,
        early_calls=len(limit.early_calls) if limit else 0,
        card_spacing=[b - a for a, b in itertools.pairwise(spacing)],
    )
