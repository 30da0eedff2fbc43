"""Teams clicks: bursts of 50 concurrent signed `adaptiveCard/action` invokes on Claim by a team of 50 agents, each
clicking once a burst, a second apart (and never before the last burst's cards show it). p50/p99 from each invoke to its
answer (the card as it now stands, for the clicker), against a bare Teams SDK app that answers every invoke with a fixed
card, served the SDK's own way (its FastAPI adapter under uvicorn, one process), given the same bursts in the same run;
and from each click to the Bot Connector update that shows the new owner to everyone. Squeaky's web app runs under
gunicorn as `python -m bot web` does, with one `python -m bot worker` delivering the updates; the local Teams checks
every bearer and keeps no rate limit here, and Squeaky's per-conversation pacing is lifted (Teams' real limit, 7 a
second and 60 in 30 s per channel, would otherwise set the pace of the card updates; the storm-claims run keeps it).
Each invoke carries a freshly minted token, which both apps check against the local issuer's keys. Each run starts once
the app under test has answered a first burst of invokes (and, for Squeaky, its worker has updated their cards), however
long they took to load, never after a fixed wait."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from sqlalchemy import select

from bench.clicks import CONCURRENCY, ROUNDS, running_worker, serve_app
from bench.ingest import scratch_database
from bench.percentiles import percentile
from bot.bootstrap import build_services
from bot.config import Settings
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.receive import receive
from sandbox.teams_activities import CHANNEL, TeamsClient, TeamsPerson
from sandbox.teams_api import LocalTeams
from storage.sql.migrate import upgrade
from storage.sql.tables import complaint_cards

BURST_PAUSE = 1.0
MESSAGES = "/api/messages"


@dataclass
class TeamsClickResult:
    """What the run measured."""

    squeaky_ms: list[float]
    bare_ms: list[float]
    updated_ms: list[float]


def teams_env(database_url: str, redis_url: str, teams: LocalTeams) -> dict[str, str]:
    """The settings a served app runs with: the run's database, Redis and the local Teams (Teams alone)."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TEAMS_APP_ID": teams.app_id,
        "TEAMS_APP_PASSWORD": teams.client_secret,
        "TEAMS_TENANT_ID": teams.tenant_id,
        "TEAMS_CHANNEL": CHANNEL,
        "TEAMS_SERVICE_URL": teams.service_url,
        "TEAMS_ALLOWED_SERVICE_URLS": teams.service_url,
        "TEAMS_OPENID_METADATA_URL": teams.openid_metadata_url,
        "TEAMS_LOGIN_URL": teams.url,
        "TEAMS_OPERATIONS_PER_SECOND": "10000",
        "TEAMS_TENANT_OPERATIONS_PER_SECOND": "10000",
    }


def _clicks(
    client: TeamsClient, cards: dict[int, str], ids: list[int], sent: dict[int, float] | None = None
) -> list[float]:
    """Click Claim on each complaint's card, CONCURRENCY at a time, each agent of CONCURRENCY once; ms to the answer."""

    def one(complaint_id: int) -> float:
        person = TeamsPerson.named(f"agent {complaint_id % CONCURRENCY}")  # each of the team's agents once a burst
        activity = client.activity(
            person,
            "invoke",
            name="adaptiveCard/action",
            value={"action": {"type": "Action.Execute", "verb": "claim", "data": {"complaint_id": complaint_id}}},
            replyToId=cards.get(complaint_id, "1"),
        )
        token = client.teams.mint()
        if sent is not None:
            sent[complaint_id] = time.time()
        started = time.perf_counter()
        answer = client.post(activity, token=token)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code != 200 or "AdaptiveCard" not in answer.text:
            raise RuntimeError(f"an invoke was answered {answer.status_code}: {answer.text[:200]}")
        return elapsed

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        return list(pool.map(one, ids))


def _updated_ms(teams: LocalTeams, sent: dict[int, float], cards: dict[int, str], deadline: float) -> list[float]:
    """For each click, the time until the local Teams received the update showing its owner, in ms."""
    wanted = {cards[cid]: cid for cid in sent}
    seen: dict[int, float] = {}
    while time.time() < deadline and len(seen) < len(sent):
        with teams.lock:
            calls = list(teams.calls)
        for call in calls:
            cid = wanted.get(call.activity_id or "")
            if call.method == "PUT" and cid is not None and cid not in seen and "Claimed by" in str(call.body):
                seen[cid] = call.at
        time.sleep(0.2)
    if len(seen) < len(sent):
        raise RuntimeError(f"{len(sent) - len(seen)} Teams cards never showed their new owner")
    return [(seen[cid] - sent[cid]) * 1000 for cid in sent]


def measure(admin_url: str, redis_url: str) -> TeamsClickResult:
    """Squeaky and the bare app on the same bursts."""
    redis.Redis.from_url(redis_url).flushdb()
    teams = LocalTeams()
    teams.start()
    teams.enforce_limits = False
    try:
        with scratch_database(admin_url) as url:
            upgrade(url)
            env = teams_env(url, redis_url, teams)
            settings = Settings(_env_file=None, **{k.lower(): v for k, v in env.items()})
            services = build_services(settings)
            now = datetime.now(UTC)
            items = [
                IncomingComplaint("bench", str(n), str(n), f"c{n}", f"C {n}", "@SqueakyAir late", now)
                for n in range(CONCURRENCY * ROUNDS)
            ]
            ids = receive(services.uow_factory, services.clock, services.dedupe, services.triage, items).opened
            while services.outbox_runner.run_due(limit=500):
                pass
            with services.engine.connect() as connection:
                rows = connection.execute(select(complaint_cards.c.complaint_id, complaint_cards.c.reference))
                cards = {cid: str(reference["activity"]) for cid, reference in rows}
            services.engine.dispose()
            with serve_app("squeaky", env, MESSAGES) as endpoint, running_worker(env):
                client = TeamsClient(teams, endpoint)
                warm: dict[int, float] = {}
                _clicks(client, cards, ids[:CONCURRENCY], warm)  # warm up connections and caches ...
                _updated_ms(teams, warm, cards, time.time() + 120)  # ... until the worker is serving too
                squeaky: list[float] = []
                updated: list[float] = []
                for round_ in range(1, ROUNDS):
                    sent: dict[int, float] = {}
                    squeaky += _clicks(client, cards, ids[round_ * CONCURRENCY : (round_ + 1) * CONCURRENCY], sent)
                    burst_done = time.time()
                    updated += _updated_ms(teams, sent, cards, time.time() + 120)
                    time.sleep(max(0.0, burst_done + BURST_PAUSE - time.time()))
        with serve_app("bare-teams", env, MESSAGES) as bare_endpoint:
            client = TeamsClient(teams, bare_endpoint)
            _clicks(client, {}, list(range(CONCURRENCY)))
            bare: list[float] = []
            for round_ in range(1, ROUNDS):
                bare += _clicks(client, {}, list(range(round_ * CONCURRENCY, (round_ + 1) * CONCURRENCY)))
                time.sleep(BURST_PAUSE)
    finally:
        teams.stop()
    return TeamsClickResult(squeaky, bare, updated)


def report(r: TeamsClickResult) -> str:
    """The results, as Markdown."""
    p50, p99 = percentile(r.squeaky_ms, 0.5), percentile(r.squeaky_ms, 0.99)
    b50, b99 = percentile(r.bare_ms, 0.5), percentile(r.bare_ms, 0.99)
    u50, u99 = percentile(r.updated_ms, 0.5), percentile(r.updated_ms, 0.99)
    return "\n".join(
        [
            "| measure | result |",
            "|---|---|",
            f"| signed Teams invoke to its answer, Squeaky ({len(r.squeaky_ms)} clicks, {CONCURRENCY} at once) "
            f"| p50 {p50:.0f} ms · **p99 {p99:.0f} ms** |",
            f"| the same against a bare Teams SDK app that only answers | p50 {b50:.0f} ms · p99 {b99:.0f} ms |",
            f"| Squeaky p99 ÷ bare p99 | **{p99 / b99:.2f}** |",
            f"| Teams click to the card updated for everyone ({len(r.updated_ms)} clicks) "
            f"| p50 {u50:.0f} ms · **p99 {u99:.0f} ms** |",
        ]
    )
