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
from sqlalchemy import Engine, func, select, text

from bench.clicks import PROJECT, SECRET, serve_app
from bench.ingest import scratch_database
from bench.storm import _peak_mb, register_vips, send_posts, start_worker, storm_env, storm_posts
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
CHANNEL = "C0CARE"
WARM_UP = "early_bird"  # who posts the mention before the storm


@dataclass
class AgentLog:
    """What the simulated agents did and felt."""

    ack_ms: list[float] = field(default_factory=list)  # a claim or take-next click to Slack's 200
    bare_ms: list[float] = field(default_factory=list)  # the same clicks, each right after, to a bare Bolt app
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
    vip_card_before_kill: list[float]  # VIPs that arrived before the kill
    vip_store_seconds: list[float]  # arrival to stored: the ingest part of a VIP's wait
    agents: AgentLog
    worker_peak_mb: list[float]
    web_peak_mb: list[float]
    peak_connections: int
    store_seconds: float
    killed_at: float
    slack_refusals: int
    early_calls: int


def _x_posts(items: list[IncomingComplaint], local_x: LocalX) -> list[IncomingComplaint]:
    """The posts that arrive on X: FROM_X openers spread evenly over the storm, mentioning the brand; the rest of the
    storm keeps openers all along too."""
    openers = [p for p in items if not p.in_reply_to_id]
    chosen = [openers[int(k * len(openers) / FROM_X)] for k in range(FROM_X)]
    for p in chosen:
        local_x.add_user(p.author_handle.replace("-", "_")[:15], p.author_name)
    return chosen


def _spread_vips(intake: list[IncomingComplaint]) -> set[str]:
    """VIPS authors of openers spread evenly over the storm's time (the intake is sent evenly over STORM_SECONDS):
    about one a second, as many as a channel posts (faster, they would queue behind each other)."""
    chosen: set[str] = set()
    for k in range(VIPS):
        at = int((k + 0.5) * len(intake) / VIPS)
        opener = next((p for p in intake[at:] if not p.in_reply_to_id), None)
        if opener is not None:
            chosen.add(opener.author_handle.lower())
    return chosen


def _send_storm(
    urls: list[str], intake: list[IncomingComplaint], on_x: list[IncomingComplaint], x: LocalX
) -> dict[str, float]:
    """Send the intake share in REQUESTS requests over STORM_SECONDS (to each web process in turn) while the X share
    is posted on the local X at the same pace; return each post's arrival time, by its id."""
    arrivals: dict[str, float] = {}
    started = time.time()

    def tweet() -> None:
        for n, p in enumerate(on_x):
            time.sleep(max(0.0, started + n * STORM_SECONDS / len(on_x) - time.time()))
            posted = x.add_tweet(p.author_handle.replace("-", "_")[:15], f"@SqueakyAir {p.text}"[:280])
            arrivals[str(posted["id"])] = time.time()

    with ThreadPoolExecutor(1) as pool:
        tweeting = pool.submit(tweet)
        arrivals.update(send_posts(urls, intake, REQUESTS)[0])
        tweeting.result()
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

    def __init__(self, n: int, urls: list[str], bare: str, board: Board, engine: Engine, log: AgentLog) -> None:
        self.user, self.name = f"U0AGENT{n:02d}", f"agent{n:02d}"
        self.url, self.bare = urls[n % len(urls)], bare
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

    def _click(self, action: str, value: str, ts: str, *, response_url: bool = True, url: str = "") -> float:
        payload = block_action(self.user, self.name, action, value, CHANNEL, ts)
        if not response_url:
            payload.pop("response_url")
        started = time.perf_counter()
        answer = post_signed(url or self.url, SECRET, payload)
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
                self._record_ack(action_ids.CLAIM, str(cid), card["ts"])
                shown = self._wait_owner(cid, sent)
                return (cid, card) if shown else None
        summary = self.board.summary()
        if summary is None:
            return None
        sent = time.time()
        self._record_ack(action_ids.TAKE_NEXT, "care", summary["ts"])
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

    def _record_ack(self, action: str, value: str, ts: str) -> None:
        """Click, then the same click to the bare Bolt app (the floor, under the same load); note both times."""
        ours = self._click(action, value, ts, response_url=action != action_ids.TAKE_NEXT)
        bare = self._click(action, value, ts, response_url=action != action_ids.TAKE_NEXT, url=self.bare)
        with self.log.lock:
            self.log.ack_ms.append(ours)
            self.log.bare_ms.append(bare)

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
    vips = _spread_vips(intake)
    redis.Redis.from_url(redis_url).flushdb()
    for server in (slack, x, zendesk):
        server.start()
    try:
        with scratch_database(admin_url) as url, ExitStack() as stack:
            upgrade(url)
            core = build_core(Settings(_env_file=None, database_url=url, redis_url=redis_url))
            register_vips(core, vips)
            env = {
                **storm_env(url, redis_url, slack),
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
            bare = stack.enter_context(serve_app("bare", env))  # the click's floor, under the same load
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
                # a mention from before the storm: the poller's first read of X sets its place there (a first read
                # takes only the newest page, not the account's whole history)
                x.add_tweet(WARM_UP, "@SqueakyAir hello from before the storm")
                _wait_stored(core.engine, 1, time.time() + 30, warm_up=True)
                first = time.time()
                board = Board(slack)
                agents = [Agent(n, webs, bare, board, core.engine, log) for n in range(AGENTS)]
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
            if os.environ.get("SQUEAKY_BENCH_TIMELINE"):  # what the workers had to say
                for n, worker_log in enumerate(logs):
                    worker_log.seek(0)
                    said = [line for line in worker_log.read().splitlines() if " WARNING " in line or " ERROR " in line]
                    print(f"--- process {n}: {len(said)} warnings", *said[:15], sep="\n", file=sys.stderr)
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


def _storm(column: Any) -> Any:
    """The storm's posts by author: not the warm-up mention, not our own replies read back from X."""
    return func.lower(column).not_in((WARM_UP, "squeakyair"))


def _wait_stored(engine: Engine, total: int, deadline: float, *, warm_up: bool = False) -> float:
    """Wait until `total` storm posts (or, with `warm_up`, the warm-up mention) are stored; return when."""
    which = messages.c.author_handle == WARM_UP if warm_up else _storm(messages.c.author_handle)
    while time.time() < deadline:
        with engine.connect() as c:
            if (c.execute(select(func.count()).select_from(messages).where(which)).scalar() or 0) >= total:
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
    killed = min(arrivals.values(), default=0.0) + KILL_AT
    before_kill = [
        card_at[cid] - arrivals[rows[cid].external_id]
        for cid in vip_ids
        if cid in card_at and arrivals.get(rows[cid].external_id, killed) < killed
    ]
    vip_stored = [
        rows[cid].received_at.timestamp() - arrivals[rows[cid].external_id]
        for cid in vip_ids
        if rows[cid].external_id in arrivals
    ]
    if os.environ.get("SQUEAKY_BENCH_TIMELINE"):  # each VIP: when it arrived, was stored, was carded
        with engine.connect() as c:
            seen = set(c.execute(select(messages.c.external_id)).scalars())
            by = c.execute(
                select(messages.c.source, messages.c.kind, func.count()).group_by(messages.c.source, messages.c.kind)
            ).all()
            odd = c.execute(
                select(messages.c.author_handle, func.count())
                .where(~_storm(messages.c.author_handle))
                .group_by(messages.c.author_handle)
            ).all()
        missing = sorted(set(arrivals) - seen)
        print(f"sent {len(arrivals)}; not stored: {len(missing)}: {missing[:20]}; {by}; {odd}", file=sys.stderr)
        start = min(arrivals.values())
        for cid in sorted(vip_ids, key=lambda c: arrivals.get(rows[c].external_id, 0.0)):
            at = arrivals.get(rows[cid].external_id, float("nan"))
            print(
                f"VIP {cid}: arrived {at - start:6.2f} s, stored +{rows[cid].received_at.timestamp() - at:5.2f} s, "
                f"carded +{card_at.get(cid, float('nan')) - at:5.2f} s",
                file=sys.stderr,
            )
    inversions = sum(  # a standard card posted after a VIP was stored (and its transaction had committed) but before
        1  # that VIP's card: across all workers, the channel went out of rank order
        for cid, at in card_at.items()
        if cid not in vip_ids
        for vid in vip_ids
        if rows[vid].received_at.timestamp() + 0.25 < at < card_at.get(vid, float("inf"))
    )
    limit = slack.post_limit
    return ScaleResult(
        sent=len(arrivals),
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
        vip_card_before_kill=before_kill,
        vip_store_seconds=vip_stored,
        agents=log,
        worker_peak_mb=[peaks.get(f"worker {n + 1}", 0.0) for n in range(WORKERS)],
        web_peak_mb=[v for k, v in sorted(peaks.items()) if k.startswith("web")],
        peak_connections=max(connections, default=0),
        store_seconds=0.0,
        killed_at=0.0,
        slack_refusals=len(limit.refusals) if limit else 0,
        early_calls=len(limit.early_calls) if limit else 0,
    )


NOTES = """What the figures mean:

- **Each side effect once, a worker killed mid-storm.** The counts are taken at the stand-ins: cards, thread lines
  and direct messages at the local Slack; replies at the local X; tickets at the local Zendesk. The killed worker
  falls silent and, 3 s later, the others take over its leases and its unacknowledged stream entries and clicks.
  What it was posting when it died is looked for before it is posted again.
- **VIP cards across workers.** A VIP's card never waits for another worker's hold on the channel, which keeps
  standard cards, thread lines and notices in rank order. Nor does it wait for a batch: a batch gives back what it
  has not started after a second.
  - Before the kill, VIP cards reach the channel within a few hundred milliseconds.
  - A VIP that arrives while the killed worker held its card waits for the worker to be found silent.
  - VIPs arriving faster than the channel's one message a second queue behind each other only.
- **A won claim to its card showing the owner** is Slack's own pace: card updates share the workspace's chat.update
  budget (Tier 3, about 50 a minute; `SLACK_UPDATES_PER_SECOND` 0.8). Fifty agents claiming, replying and ticketing
  ask for several updates a second, and they queue; the Clicks section measures the same path with that pacing
  lifted. This pace, and the channel's one new message a second for the cards that Take next releases, is also
  what bounds how many complaints fifty agents finish in a minute and a half. Squeaky does not.
- **Connections.** At peak, all the processes together hold the count shown: three workers, two web processes with
  two gunicorn workers each, and the X poller, each within `DB_POOL_SIZE + DB_MAX_OVERFLOW`."""


def _ratio(ours: list[float], floor: list[float], share: float) -> float:
    bare = _pct(floor, share)
    return _pct(ours, share) / bare if bare else float("nan")


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
            f"| of which the {len(r.vip_card_before_kill)} arriving before the kill "
            f"| p50 {_pct(r.vip_card_before_kill, 0.5):.1f} s · p99 {_pct(r.vip_card_before_kill, 0.99):.1f} s "
            "| p99 ≤ 2 s |",
            f"| of which arrival to stored | p50 {_pct(r.vip_store_seconds, 0.5):.1f} s · "
            f"p99 {_pct(r.vip_store_seconds, 0.99):.1f} s | |",
            f"| standard cards posted while a VIP waited (rank order across workers) | **{r.inversions}** | 0 |",
            f"| agents' clicks (Claim, Take next) to Slack's 200, during the storm "
            f"| p50 {_pct(a.ack_ms, 0.5):.0f} ms · p99 {_pct(a.ack_ms, 0.99):.0f} ms ({len(a.ack_ms):,} clicks) | |",
            f"| the same clicks, each right after, to a bare Bolt app that only acks "
            f"| p50 {_pct(a.bare_ms, 0.5):.0f} ms · p99 {_pct(a.bare_ms, 0.99):.0f} ms | |",
            f"| click ÷ bare, p50 · p99 | **{_ratio(a.ack_ms, a.bare_ms, 0.5):.2f} · "
            f"{_ratio(a.ack_ms, a.bare_ms, 0.99):.2f}** | ≤ 1.5 |",
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
