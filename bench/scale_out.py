"""Scale-out storm: 10,000 posts in 10 s, 7,000 through the web apps' HTTP intake and 3,000 as mentions on the local
X that `python -m bot ingest` polls, into three `python -m bot worker` processes and two web processes (gunicorn, two
workers each) on one PostgreSQL and one Redis. The local Slack holds each channel to about one message a second and
answers 429 with Retry-After; tickets go to the local Zendesk, replies to the local X. Fifty simulated agents take
complaints throughout (Claim on a card, or Take next on the storm summary), reply publicly where the post is on X,
and open a ticket. One worker is killed with SIGKILL in the middle. Every side effect is counted where it lands:
at the local Slack, X and Zendesk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import redis
from sqlalchemy import Engine, func, select, text

from bench.clicks import PROJECT, serve_app
from bench.ingest import scratch_database
from bench.scale_agents import Agent, AgentLog, Board
from bench.scale_constants import (
    AGENTS,
    FROM_X,
    KILL_AT,
    OBSERVE_SECONDS,
    POSTS,
    REQUESTS,
    STORM_SECONDS,
    VIPS,
    WARM_UP,
    WORKERS,
)
from bench.scale_report import ScaleResult, read_results, storm_authors
from bench.storm import _peak_mb, register_vips, send_posts, start_worker, storm_env, storm_posts
from bot.bootstrap import build_core
from bot.config import Settings
from handlers.domain.complaint import IncomingComplaint
from sandbox.slack_api import LocalSlack
from sandbox.slack_limits import ChannelPostLimit
from sandbox.x_api import LocalX
from sandbox.zendesk_api import LocalZendesk
from storage.sql.migrate import upgrade
from storage.sql.tables import messages


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
            result = read_results(core.engine, slack, x, zendesk, arrivals, log, peaks, connections)
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


def _wait_stored(engine: Engine, total: int, deadline: float, *, warm_up: bool = False) -> float:
    """Wait until `total` storm posts (or, with `warm_up`, the warm-up mention) are stored; return when."""
    which = messages.c.author_handle == WARM_UP if warm_up else storm_authors(messages.c.author_handle)
    while time.time() < deadline:
        with engine.connect() as c:
            if (c.execute(select(func.count()).select_from(messages).where(which)).scalar() or 0) >= total:
                return time.time()
        time.sleep(0.2)
    return time.time()
