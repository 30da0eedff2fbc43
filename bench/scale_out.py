"""Scale-out storm: 10,000 posts in 10 s, 7,000 through the web apps' HTTP intake and 3,000 as mentions on the local
X that `python -m bot ingest` polls, into three `python -m bot worker` processes and two web processes (gunicorn, two
workers each) on one PostgreSQL and one Redis. The local Slack holds each channel to about one message a second and
answers 429 with Retry-After; tickets go to the local Zendesk, replies to the local X. Fifty simulated agents take
complaints throughout (Claim on a card, or Take next on the storm summary), reply publicly where the post is on X,
and open a ticket. One worker is killed with SIGKILL in the middle. Every side effect is counted where it lands:
at the local Slack, X and Zendesk."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import redis
import requests
from sqlalchemy import Engine, func, select, text

from bench.clicks import PROJECT, SECRET, app_env, serve_app
from bench.ingest import scratch_database
from bench.storm import _as_post, _peak_mb, pick_vips, start_worker, storm_posts
from bot.bootstrap import build_core
from bot.config import Settings
from bot.slack import action_ids
from bot.slack.gateway import CARD_EVENT
from handlers.cases.model import IncomingComplaint
from sandbox.interactions import block_action, post_signed, view_submission
from sandbox.slack_api import LocalSlack
from sandbox.slack_limits import ChannelPostLimit
from sandbox.x_api import LocalX
from sandbox.zendesk_api import LocalZendesk
from storage.sql.migrate import upgrade
from storage.sql.tables import complaints, messages

POSTS = 10_000
FROM_X = 3_000
STORM_SECONDS = 10.0
REQUESTS = 70  # intake requests of 100 posts, alternating between the two web processes
VIPS = 12
AGENTS = 50
WORKERS = 3
KILL_AT = 6.0  # seconds after the first post, mid-storm: one worker is killed with SIGKILL
OBSERVE_SECONDS = 100.0
INTAKE_TOKEN = "bench-intake-token-0123456789"  # noqa: S105 - a local server's token
CHANNEL = "C0CARE"


@dataclass
class AgentLog:
    """What the simulated agents did and felt."""

    ack_ms: list[float] = field(default_factory=list)  # a claim or take-next click to Slack's 200
    shown_ms: list[float] = field(default_factory=list)  # a won claim to the card showing its owner
    handled: int = 0  # complaints taken, replied to where possible, and ticketed
    replies_asked: int = 0
    tickets_asked: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class ScaleResult:
    """What the run measured."""

    sent: int
    stored: int
    distinct_stored: int
    cases: int
    vip_cases: int
    cards: int
    duplicate_cards: int
    thread_lines: int
    duplicate_lines: int
    dms: int
    duplicate_dms: int
    replies: int
    duplicate_replies: int
    replies_asked: int
    tickets: int
    duplicate_tickets: int
    tickets_asked: int
    inversions: int
    vip_card_seconds: list[float]
    agents: AgentLog
    worker_peak_mb: list[float]
    web_peak_mb: list[float]
    peak_connections: int
    store_seconds: float
    killed_at: float
    slack_refusals: int
    early_calls: int


def _x_posts(items: list[IncomingComplaint], local_x: LocalX) -> list[IncomingComplaint]:
    """The posts that arrive on X: openers of the storm, mentioning the brand."""
    chosen = [p for p in items if not p.in_reply_to_id][:FROM_X]
    for p in chosen:
        local_x.add_user(p.author_handle.replace("-", "_")[:15], p.author_name)
    return chosen


def _send_storm(
    urls: list[str], intake: list[IncomingComplaint], on_x: list[IncomingComplaint], x: LocalX
) -> dict[str, float]:
    """Send the intake share in REQUESTS requests over STORM_SECONDS (to each web process in turn) while the X share
    is posted on the local X at the same pace; return each post's arrival time, by its text."""
    per = len(intake) // REQUESTS
    batches = [intake[n * per : (n + 1) * per] for n in range(REQUESTS)]
    bodies = [json.dumps({"posts": [_as_post(p) for p in batch]}) for batch in batches]
    headers = {"Authorization": f"Bearer {INTAKE_TOKEN}", "Content-Type": "application/json"}
    arrivals: dict[str, float] = {}
    started = time.time()

    def one(n: int) -> None:
        time.sleep(max(0.0, started + n * STORM_SECONDS / REQUESTS - time.time()))
        answer = requests.post(urls[n % len(urls)], data=bodies[n], headers=headers, timeout=30)
        if answer.status_code != 202:
            raise RuntimeError(f"intake answered {answer.status_code}: {answer.text[:200]}")
        done = time.time()
        for p in batches[n]:
            arrivals[p.external_id] = done

    def tweet() -> None:
        for n, p in enumerate(on_x):
            time.sleep(max(0.0, started + n * STORM_SECONDS / len(on_x) - time.time()))
            posted = x.add_tweet(p.author_handle.replace("-", "_")[:15], f"@SqueakyAir {p.text}"[:280])
            arrivals[str(posted["id"])] = time.time()

    with ThreadPoolExecutor(8) as pool:
        x_thread = pool.submit(tweet)
        list(pool.map(one, range(REQUESTS)))
        x_thread.result()
    return arrivals


class Board:
    """What agents see of the channel: its cards, read from the local Slack at most ten times a second for all of
    them (fifty agents each sorting the channel would load the stand-in, not Squeaky)."""

    def __init__(self, slack: LocalSlack) -> None:
        self.slack = slack
        self._cards: list[tuple[int, dict[str, Any]]] = []
        self._summary: dict[str, Any] | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def cards(self) -> list[tuple[int, dict[str, Any]]]:
        """The cards in the channel, oldest first, as (complaint id, message)."""
        self._refresh()
        return self._cards

    def summary(self) -> dict[str, Any] | None:
        """The newest message with a Take next button (the storm summary), if any."""
        self._refresh()
        return self._summary

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._read_at < 0.1:
                return
            found, summary = [], None
            for message in self.slack.channel_messages(CHANNEL):
                meta = message.get("metadata") or {}
                if meta.get("event_type") == CARD_EVENT:
                    found.append((int(meta["event_payload"]["complaint_id"]), message))
                elif action_ids.TAKE_NEXT in json.dumps(message.get("blocks")):
                    summary = message
            self._cards, self._summary, self._read_at = found, summary, time.monotonic()


class Agent:
    """One care agent clicking in Slack: takes a complaint, replies publicly where it is on X, opens a ticket."""

    def __init__(self, n: int, urls: list[str], board: Board, engine: Engine, log: AgentLog) -> None:
        self.user, self.name = f"U0AGENT{n:02d}", f"agent{n:02d}"
        self.url = urls[n % len(urls)]
        self.board, self.slack, self.engine, self.log = board, board.slack, engine, log
        self.done: set[int] = set()
        self.views_seen = 0
        self.random = random.Random(n)

    def run(self, until: float, taken: set[int], guard: threading.Lock) -> None:
        """Work until `until`: each round takes one complaint and handles it."""
        while time.time() < until:
            try:
                case = self._take(taken, guard)
                if case is None:
                    time.sleep(0.5)
                    continue
                self._handle(*case)
            except Exception as exc:
                with self.log.lock:
                    self.log.errors[type(exc).__name__] += 1
                time.sleep(0.5)

    def _click(self, action: str, value: str, ts: str, *, response_url: bool = True) -> float:
        payload = block_action(self.user, self.name, action, value, CHANNEL, ts)
        if not response_url:
            payload.pop("response_url")
        started = time.perf_counter()
        answer = post_signed(self.url, SECRET, payload)
        if answer.status_code != 200:
            raise RuntimeError(f"click answered {answer.status_code}")
        return (time.perf_counter() - started) * 1000

    def _cards(self) -> list[tuple[int, dict[str, Any]]]:
        return self.board.cards()

    def _take(self, taken: set[int], guard: threading.Lock) -> tuple[int, dict[str, Any]] | None:
        cards = self._cards()
        free = [(cid, m) for cid, m in cards if "Claimed by" not in json.dumps(m["blocks"]) and cid not in taken]
        if free:
            with guard:
                free = [(cid, m) for cid, m in free if cid not in taken]
                choice = self.random.choice(free) if free else None
                if choice is not None:
                    taken.add(choice[0])
            if choice is not None:
                cid, card = choice
                sent = time.time()
                self._record_ack(self._click(action_ids.CLAIM, str(cid), card["ts"]))
                shown = self._wait_owner(cid, sent)
                return (cid, card) if shown else None
        summary = self.board.summary()
        if summary is None:
            return None
        sent = time.time()
        self._record_ack(self._click(action_ids.TAKE_NEXT, "care", summary["ts"], response_url=False))
        deadline = sent + 20
        while time.time() < deadline:
            mine = [
                (cid, m)
                for cid, m in self._cards()
                if cid not in self.done and f"Claimed by <@{self.user}>" in json.dumps(m["blocks"])
            ]
            if mine:
                with guard:
                    taken.add(mine[0][0])
                return mine[0]
            time.sleep(0.25)
        return None

    def _record_ack(self, ms: float) -> None:
        with self.log.lock:
            self.log.ack_ms.append(ms)

    def _wait_owner(self, cid: int, sent: float) -> bool:
        deadline = sent + 20
        while time.time() < deadline:
            card = next((m for c, m in self._cards() if c == cid), None)
            shown = json.dumps(card["blocks"]) if card else ""
            if f"Claimed by <@{self.user}>" in shown:
                with self.log.lock:
                    self.log.shown_ms.append((time.time() - sent) * 1000)
                return True
            if "Claimed by" in shown:
                return False  # someone else won it
            time.sleep(0.1)
        return False

    def _view(self) -> dict[str, Any]:
        deadline = time.time() + 15
        while time.time() < deadline:
            mine = [v for v in self.slack.views if v.get("opened_for") == self.user]
            if len(mine) > self.views_seen:
                self.views_seen = len(mine)
                return mine[-1]
            time.sleep(0.1)
        raise TimeoutError("no form opened")

    def _handle(self, cid: int, card: dict[str, Any]) -> None:
        self.done.add(cid)
        with self.engine.connect() as c:
            source = c.execute(select(complaints.c.source).where(complaints.c.id == cid)).scalar()
        if source == "x":
            self._click(action_ids.ACKNOWLEDGE, str(cid), card["ts"])
            words = f"So sorry about this. We've opened case #{cid}: DM us your booking reference and we'll sort it."
            self._submit(self._view(), {"text:0": words})
            with self.log.lock:
                self.log.replies_asked += 1
        self._click(action_ids.TICKET, str(cid), card["ts"])
        self._submit(self._view(), {"subject": f"Storm case {cid}", "priority": "normal", "notes": "from the storm"})
        with self.log.lock:
            self.log.tickets_asked += 1
            self.log.handled += 1

    def _submit(self, view: dict[str, Any], answers: dict[str, str]) -> None:
        answer = post_signed(self.url, SECRET, view_submission(self.user, self.name, view, answers))
        if answer.status_code != 200:
            raise RuntimeError(f"form answered {answer.status_code}")


def _sample(
    engine: Engine, database: str, pids: dict[str, int], stop: threading.Event, peaks: dict[str, float]
) -> list[int]:
    """Every quarter second until `stop`: PostgreSQL's connections to the run's database, and each process's
    peak memory (VmHWM), kept in `peaks` while the process lives."""
    counts: list[int] = []
    while not stop.wait(0.25):
        with engine.connect() as c:
            counts.append(
                int(
                    c.execute(
                        text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d"), {"d": database}
                    ).scalar()
                    or 0
                )
            )
        for name, pid in pids.items():
            try:
                peaks[name] = max(peaks.get(name, 0.0), _peak_mb(pid))
            except OSError:
                continue  # gone (the killed worker): its last reading stands
    return counts


def measure(admin_url: str, redis_url: str) -> ScaleResult:
    """The whole run on a fresh database and Redis."""
    items = storm_posts(POSTS)
    slack, x, zendesk = LocalSlack(), LocalX(), LocalZendesk()
    slack.post_limit = ChannelPostLimit(per_second=1.0, burst=2)
    on_x = _x_posts(items, x)
    chosen = {p.external_id for p in on_x}
    intake = [p for p in items if p.external_id not in chosen]
    vips = pick_vips(intake, VIPS)
    redis.Redis.from_url(redis_url).flushdb()
    for server in (slack, x, zendesk):
        server.start()
    try:
        with scratch_database(admin_url) as url, ExitStack() as stack:
            upgrade(url)
            core = build_core(Settings(_env_file=None, database_url=url, redis_url=redis_url))
            with core.uow_factory() as uow:
                for handle in sorted(vips):
                    uow.customers.set_tier(handle, "vip")
                uow.commit()
            env = {
                **app_env(url, redis_url, slack),
                "INTAKE_TOKEN": INTAKE_TOKEN,
                "ONCALL_USER": "U0ONCALL",
                "STREAM_RECLAIM_SECONDS": "10",
                "X_BEARER_TOKEN": x.bearer_token,
                "X_API_URL": x.url,
                "X_API_KEY": "local-key",
                "X_API_SECRET": "local-secret",
                "X_ACCESS_TOKEN": "local-access-token",
                "X_ACCESS_TOKEN_SECRET": "local-access-secret",
                "X_BRAND_HANDLES": "SqueakyAir",
                "X_POLL_SECONDS": "1",
                "TICKET_SYSTEM": "zendesk",
                "ZENDESK_SUBDOMAIN": "squeaky",
                "ZENDESK_EMAIL": zendesk.email,
                "ZENDESK_API_TOKEN": zendesk.token,
                "ZENDESK_URL": zendesk.url,
                "WEB_CONCURRENCY": "2",
            }
            webs = [stack.enter_context(serve_app("squeaky", env)) for _ in range(2)]
            logs = [stack.enter_context(tempfile.TemporaryFile("w+")) for _ in range(WORKERS + 1)]
            workers = [start_worker(env, logs[n]) for n in range(WORKERS)]
            ingest = subprocess.Popen(
                [sys.executable, "-m", "bot", "ingest"],
                env={**os.environ, **env, "PYTHONPATH": str(PROJECT)},
                stdout=logs[-1],
                stderr=subprocess.STDOUT,
            )
            pids = {f"worker {n + 1}": w.pid for n, w in enumerate(workers)} | {"ingest": ingest.pid}
            pids |= {f"web {n + 1}": pid for n, pid in enumerate(_web_pids())}
            peaks: dict[str, float] = {}
            stop = threading.Event()
            sampling = ThreadPoolExecutor(1)
            counts = sampling.submit(_sample, core.engine, url.rsplit("/", 1)[1], pids, stop, peaks)
            log, taken, guard = AgentLog(), set[int](), threading.Lock()
            try:
                time.sleep(3)  # the workers connect and join the consumer group; the ingest process reads X once
                first = time.time()
                board = Board(slack)
                agents = [Agent(n, webs, board, core.engine, log) for n in range(AGENTS)]
                crew = ThreadPoolExecutor(AGENTS)
                for agent in agents:
                    crew.submit(agent.run, first + OBSERVE_SECONDS - 10, taken, guard)
                killer = threading.Timer(
                    max(0.0, first + KILL_AT - time.time()), os.kill, (workers[1].pid, signal.SIGKILL)
                )
                killer.start()
                arrivals = _send_storm([w.replace("/slack/events", "/intake") for w in webs], intake, on_x, x)
                stored_at = _wait_stored(core.engine, POSTS, first + 120)
                killer.join()
                time.sleep(max(0.0, first + OBSERVE_SECONDS - time.time()))
                crew.shutdown(wait=True)
            finally:
                stop.set()
                for process in [*workers, ingest]:
                    process.terminate()
                for process in [*workers, ingest]:
                    process.wait(timeout=30)
            connections = counts.result()
            sampling.shutdown()
            result = _read(core.engine, slack, x, zendesk, arrivals, log, peaks, connections)
            result.store_seconds = stored_at - first
            result.killed_at = KILL_AT
            core.engine.dispose()
    finally:
        for server in (slack, x, zendesk):
            server.stop()
    return result


def _web_pids() -> list[int]:
    """The web server processes the benchmark started (gunicorn masters and their workers)."""
    found = subprocess.run(["pgrep", "-f", "bench.click_server squeaky"], capture_output=True, text=True, check=False)  # noqa: S607
    return [int(pid) for pid in found.stdout.split()]


def _wait_stored(engine: Engine, total: int, deadline: float) -> float:
    while time.time() < deadline:
        with engine.connect() as c:
            if (c.execute(select(func.count()).select_from(messages)).scalar() or 0) >= total:
                return time.time()
        time.sleep(0.2)
    return time.time()


def _read(
    engine: Engine,
    slack: LocalSlack,
    x: LocalX,
    zendesk: LocalZendesk,
    arrivals: dict[str, float],
    log: AgentLog,
    peaks: dict[str, float],
    connections: list[int],
) -> ScaleResult:
    """Count every side effect where it landed, and read the run's figures."""
    with engine.connect() as c:
        stored = c.execute(select(func.count()).select_from(messages)).scalar() or 0
        distinct = c.execute(
            select(func.count(func.distinct(messages.c.source + ":" + messages.c.external_id)))
        ).scalar()
        rows = {
            r.id: r
            for r in c.execute(
                select(
                    complaints.c.id,
                    complaints.c.external_id,
                    complaints.c.source,
                    complaints.c.tier,
                    complaints.c.received_at,
                )
            )
        }
    cards: Counter[int] = Counter()
    card_at: dict[int, float] = {}
    for message in slack.channel_messages(CHANNEL):
        meta = message.get("metadata") or {}
        if meta.get("event_type") == CARD_EVENT:
            cid = int(meta["event_payload"]["complaint_id"])
            cards[cid] += 1
            card_at.setdefault(cid, float(message["ts"]))
    with slack.lock:
        threads: Counter[tuple[str, str]] = Counter()
        dms: Counter[tuple[str, str]] = Counter()
        for (channel, _ts), m in slack.messages.items():
            if channel == CHANNEL and m.get("thread_ts"):
                threads[(str(m["thread_ts"]), str(m.get("text")))] += 1
            elif channel.startswith("D"):
                dms[(channel, str(m.get("text")))] += 1
    replies = Counter(str((t.get("referenced_tweets") or [{}])[0].get("id")) for t in x.posted)
    tickets = Counter(str(t.get("external_id")) for t in zendesk.tickets.values())
    vip_ids = {cid for cid, r in rows.items() if r.tier == "vip"}
    vip_seconds = [
        card_at[cid] - arrivals[rows[cid].external_id]
        for cid in vip_ids
        if cid in card_at and rows[cid].external_id in arrivals
    ]
    inversions = sum(  # a standard card posted after a VIP was stored (and its transaction had committed) but before
        1  # that VIP's card: across all workers, the channel went out of rank order
        for cid, at in card_at.items()
        if cid not in vip_ids
        for vid in vip_ids
        if rows[vid].received_at.timestamp() + 0.25 < at < card_at.get(vid, float("inf"))
    )
    limit = slack.post_limit
    return ScaleResult(
        sent=POSTS,
        stored=int(stored),
        distinct_stored=int(distinct or 0),
        cases=len(rows),
        vip_cases=len(vip_ids),
        cards=len(cards),
        duplicate_cards=sum(n - 1 for n in cards.values()),
        thread_lines=sum(threads.values()),
        duplicate_lines=sum(n - 1 for n in threads.values()),
        dms=sum(dms.values()),
        duplicate_dms=sum(n - 1 for n in dms.values()),
        replies=sum(replies.values()),
        duplicate_replies=sum(n - 1 for n in replies.values()),
        replies_asked=log.replies_asked,
        tickets=sum(tickets.values()),
        duplicate_tickets=sum(n - 1 for n in tickets.values()),
        tickets_asked=log.tickets_asked,
        inversions=inversions,
        vip_card_seconds=vip_seconds,
        agents=log,
        worker_peak_mb=[peaks.get(f"worker {n + 1}", 0.0) for n in range(WORKERS)],
        web_peak_mb=[v for k, v in sorted(peaks.items()) if k.startswith("web")],
        peak_connections=max(connections, default=0),
        store_seconds=0.0,
        killed_at=0.0,
        slack_refusals=len(limit.refusals) if limit else 0,
        early_calls=len(limit.early_calls) if limit else 0,
    )


def _pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report(r: ScaleResult) -> str:
    """The results, as Markdown."""
    a = r.agents
    errors = ", ".join(f"{n} {kind}" for kind, n in a.errors.most_common()) or "none"
    return "\n".join(
        [
            "| measure | result | target |",
            "|---|---|---|",
            f"| posts sent (HTTP intake to two web processes, and mentions polled on X) | {r.sent:,} in 10 s "
            f"({r.sent - FROM_X:,} + {FROM_X:,}) | 10,000 in 10 s |",
            f"| posts stored | **{r.stored:,}**, {r.distinct_stored:,} distinct, in {r.store_seconds:.1f} s "
            f"(a worker killed at {r.killed_at:.0f} s) | each once |",
            f"| cases · VIP cases | {r.cases:,} · {r.vip_cases} | |",
            f"| cards posted · duplicates (same case, same channel) | {r.cards:,} · **{r.duplicate_cards}** "
            "| ≤ 1 per case |",
            f"| thread lines · duplicates | {r.thread_lines:,} · **{r.duplicate_lines}** | each once |",
            f"| direct messages · duplicates | {r.dms:,} · **{r.duplicate_dms}** | each once |",
            f"| public replies on X · asked by agents · duplicates | {r.replies:,} · {r.replies_asked:,} · "
            f"**{r.duplicate_replies}** | each once |",
            f"| tickets in Zendesk · asked by agents · duplicates | {r.tickets:,} · {r.tickets_asked:,} · "
            f"**{r.duplicate_tickets}** | each once |",
            f"| VIP arrival to card ({len(r.vip_card_seconds)} of {r.vip_cases}) "
            f"| **p50 {_pct(r.vip_card_seconds, 0.5):.1f} s · p99 {_pct(r.vip_card_seconds, 0.99):.1f} s** "
            "| p99 ≤ 2 s |",
            f"| standard cards posted while a VIP waited (rank order across workers) | **{r.inversions}** | 0 |",
            f"| agents' clicks (Claim, Take next) to Slack's 200, during the storm "
            f"| p50 {_pct(a.ack_ms, 0.5):.0f} ms · p99 {_pct(a.ack_ms, 0.99):.0f} ms ({len(a.ack_ms):,} clicks) | |",
            f"| a won claim to its card showing the owner | p50 {_pct(a.shown_ms, 0.5) / 1000:.1f} s · "
            f"p99 {_pct(a.shown_ms, 0.99) / 1000:.1f} s ({len(a.shown_ms):,}) | |",
            f"| complaints handled by the 50 agents (taken, replied where on X, ticketed) | {a.handled:,}; "
            f"agents' errors: {errors} | |",
            f"| worker peak memory (VmHWM), each | {' · '.join(f'{mb:.0f} MB' for mb in r.worker_peak_mb)} "
            "| ≤ 200 MB |",
            f"| PostgreSQL connections at peak (all processes) | **{r.peak_connections}** | < 100 |",
            f"| Slack 429s · calls made before their Retry-After | {r.slack_refusals} · {r.early_calls} "
            "| all honoured |",
        ]
    )
