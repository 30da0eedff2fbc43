"""Claims during a storm: 200 complaints arrive at once for one channel while 20 agents claim cards already in it, on
Slack and on Teams, each tool alone, with the stand-ins holding Squeaky to the real limits (Slack: about one post a
second per channel and chat.update's 50 a minute for the workspace; Teams: 7 a second, 8 in 2 s and 60 in 30 s per
conversation, about 50 a second per tenant) and Squeaky at its default paces. First a quiet run: the 20 agents claim
one card each, a claim every half second, with nothing else in the lane; then the storm: the 200 arrive, and the
agents claim two cards each over the next 40 seconds. p50/p99 from each claim to the clicker's view (Slack: the
click's response_url replacing the card; Teams: the invoke's answer, the decided card) and to the card updated for
everyone (Slack: chat.update; Teams: the Bot Connector update). Squeaky's web app runs under gunicorn as `python -m
bot web` does, with one `python -m bot worker`."""

from __future__ import annotations

import random
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis
from sqlalchemy import select

from bench.clicks import SECRET, app_env, running_worker, serve_app
from bench.ingest import scratch_database
from bench.percentiles import percentile
from bench.teams_clicks import teams_env
from bot.bootstrap import build_services
from bot.config import Settings
from bot.slack import action_ids
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.receive import receive
from handlers.intake.stream_codec import to_entry
from sandbox.interactions import block_action, post_signed
from sandbox.slack_api import LocalSlack
from sandbox.slack_limits import ChannelPostLimit, UpdateLimit
from sandbox.teams_activities import TeamsClient, TeamsPerson
from sandbox.teams_api import LocalTeams
from storage.sql.migrate import upgrade
from storage.sql.tables import complaint_cards

NOTES = """\
Reading it: Slack shows a click's `replace_original` answer to everyone in the channel, so on Slack the clicker's
view is everyone's view too; the chat.update column is the outbox's redraw after it, at Squeaky's chat.update pace
(48 a minute for the whole workspace), which 20 claims in 10 s and 40 in 40 s exceed: those redraws queue, and the
column shows for how long. On Teams each claim costs two of the conversation's operations (the update and the line
in the card's thread), so a claim a second would take all of its 60 in 30 s. The line gives way: it travels in a lane
of its own and leaves the 12 kept slots and half of the rest of every window to the updates, so the updates of the
claimed cards go first and the lines follow as the windows allow."""
STORM = 200
AGENTS = 20
QUIET_GAP = 0.5  # seconds between the quiet run's claims
STORM_SECONDS = 40.0  # the storm run's claims are spread over this long, two per agent


@dataclass
class Phase:
    """One run's claims: when each was sent, when its clicker saw it, when everyone's card showed it (epoch s)."""

    sent: dict[int, float] = field(default_factory=dict)
    seen_by_clicker: dict[int, float] = field(default_factory=dict)
    seen_by_everyone: dict[int, float] = field(default_factory=dict)

    def ms(self, seen: dict[int, float]) -> list[float]:
        """Milliseconds from each claim to `seen`."""
        return [(seen[c] - self.sent[c]) * 1000 for c in self.sent if c in seen]


@dataclass
class ToolResult:
    """A tool's quiet run and storm run."""

    tool: str
    quiet: Phase
    storm: Phase
    posted_during_storm: int


def _words(n: int) -> str:
    """Words of their own for complaint `n`: a storm of different complaints, not one incident (which storm mode
    would answer with one summary, holding the cards)."""
    rng = random.Random(n)
    return " ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9))) for _ in range(8))


def _items(start: int, count: int) -> list[IncomingComplaint]:
    now = datetime.now(UTC)
    return [
        IncomingComplaint("bench", str(n), str(n), f"c{n}", f"C {n}", f"@SqueakyAir {_words(n)}", now)
        for n in range(start, start + count)
    ]


def _claims(schedule: list[tuple[float, int]], click: Callable[[int, int], None], phase: Phase) -> None:
    """Each (offset, complaint) claimed at its offset by the next agent, each click in its own thread."""
    started = time.time()
    threads = []
    for n, (offset, complaint_id) in enumerate(schedule):
        time.sleep(max(0.0, started + offset - time.time()))
        phase.sent[complaint_id] = time.time()
        thread = threading.Thread(target=click, args=(n % AGENTS, complaint_id))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()


def _wait(phase: Phase, watch: Callable[[Phase], None], seconds: float = 120.0) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        watch(phase)
        if len(phase.seen_by_everyone) == len(phase.sent) and len(phase.seen_by_clicker) == len(phase.sent):
            return
        time.sleep(0.1)


def _run(
    seed: Callable[[Settings], dict[int, str]],
    settings: Settings,
    env: dict[str, str],
    path: str,
    make_click: Callable[[str, dict[int, str], Phase], Callable[[int, int], None]],
    watch: Callable[[Phase, dict[int, str]], None],
    posted: Callable[[], int],
    limits_on: Callable[[], None],
) -> tuple[Phase, Phase, int]:
    cards = seed(settings)
    ids = sorted(cards)
    redis.Redis.from_url(settings.redis_url or "").flushdb()  # the seeding's pace is not the run's
    limits_on()
    warm, quiet, storm = Phase(), Phase(), Phase()
    with serve_app("squeaky", env, path) as endpoint, running_worker(env):
        _claims([(0.0, ids[-1])], make_click(endpoint, cards, warm), warm)  # the app and the worker are serving
        _wait(warm, lambda p: watch(p, cards))
        _claims([(n * QUIET_GAP, cid) for n, cid in enumerate(ids[:AGENTS])], make_click(endpoint, cards, quiet), quiet)
        _wait(quiet, lambda p: watch(p, cards))
        before = posted()
        services = build_services(settings)  # the storm comes in as ingest brings it: on the stream, to the worker
        flood = _items(10_000, STORM)
        for start in range(0, STORM, 50):
            services.queue.add(to_entry(flood[start : start + 50]))
        services.engine.dispose()
        rng = random.Random(7)
        schedule = sorted((rng.uniform(0, STORM_SECONDS), cid) for cid in ids[AGENTS : AGENTS * 3])
        _claims(schedule, make_click(endpoint, cards, storm), storm)
        _wait(storm, lambda p: watch(p, cards))
        during = posted() - before
    return quiet, storm, during


def _seeded(settings: Settings, pick: str) -> dict[int, str]:
    """Three cards per agent (and one to warm up) posted before the run (the pace lifted for it): complaint -> card
    reference."""
    services = build_services(settings)
    receive(services.uow_factory, services.clock, services.dedupe, services.triage, _items(0, AGENTS * 3 + 1))
    deadline = time.time() + 60
    cards: dict[int, str] = {}
    while len(cards) < AGENTS * 3 + 1:
        if time.time() > deadline:
            raise RuntimeError(f"only {len(cards)} of {AGENTS * 3 + 1} cards were posted before the run")
        if not services.outbox_runner.run_due(limit=500):
            time.sleep(0.1)
        with services.engine.connect() as connection:
            rows = connection.execute(select(complaint_cards.c.complaint_id, complaint_cards.c.reference))
            cards = {cid: str(reference[pick]) for cid, reference in rows}
    services.engine.dispose()
    return cards


def measure_slack(admin_url: str, redis_url: str) -> ToolResult:
    """The quiet run and the storm run on Slack."""
    redis.Redis.from_url(redis_url).flushdb()
    slack = LocalSlack()
    slack.start()
    slack.update_limit = None  # lifted while the cards are seeded
    try:
        with scratch_database(admin_url) as url:
            upgrade(url)
            fast = Settings(
                _env_file=None, database_url=url, redis_url=redis_url, slack_bot_token=slack.token,
                slack_signing_secret=SECRET, slack_channel="C0CARE", slack_api_url=f"{slack.url}/api/",
                slack_posts_per_second=1000, slack_post_burst=1000, slack_updates_per_second=1000,
            )  # fmt: skip

            def make_click(events: str, cards: dict[int, str], phase: Phase) -> Callable[[int, int], None]:
                def click(agent: int, complaint_id: int) -> None:
                    ts = cards[complaint_id]
                    payload = block_action(
                        f"U{agent:08d}", f"agent{agent}", action_ids.CLAIM, str(complaint_id), "C0CARE", ts,
                        response_url=slack.action_response_url("C0CARE", ts),
                    )  # fmt: skip
                    post_signed(events, SECRET, payload)

                return click

            def watch(phase: Phase, cards: dict[int, str]) -> None:
                by_ts = {cards[c]: c for c in phase.sent}
                with slack.lock:
                    replaced = list(slack.replaced)
                for _, ts, at in replaced:
                    if ts in by_ts and by_ts[ts] not in phase.seen_by_clicker:
                        phase.seen_by_clicker[by_ts[ts]] = at
                for call in slack.calls_to("chat.update"):
                    cid = by_ts.get(str(call.params.get("ts")))
                    if cid is not None and cid not in phase.seen_by_everyone and "Claimed by" in str(call.params):
                        phase.seen_by_everyone[cid] = call.at

            def limits_on() -> None:
                slack.post_limit = ChannelPostLimit(per_second=1.0, burst=2)
                slack.update_limit = UpdateLimit()

            def posted() -> int:
                return len([c for c in slack.calls_to("chat.postMessage") if not c.params.get("thread_ts")])

            quiet, storm, during = _run(
                lambda s: _seeded(s, "message"), fast, app_env(url, redis_url, slack), "/slack/events",
                make_click, watch, posted, limits_on,
            )  # fmt: skip
    finally:
        slack.stop()
    return ToolResult("Slack", quiet, storm, during)


def measure_teams(admin_url: str, redis_url: str) -> ToolResult:
    """The quiet run and the storm run on Teams."""
    redis.Redis.from_url(redis_url).flushdb()
    teams = LocalTeams()
    teams.start()
    teams.enforce_limits = False  # lifted while the cards are seeded
    try:
        with scratch_database(admin_url) as url:
            upgrade(url)
            fast_env = teams_env(url, redis_url, teams)
            fast = Settings(_env_file=None, **{k.lower(): v for k, v in fast_env.items()})
            env = {k: v for k, v in fast_env.items() if "OPERATIONS_PER_SECOND" not in k}  # Squeaky's own paces

            def make_click(endpoint: str, cards: dict[int, str], phase: Phase) -> Callable[[int, int], None]:
                client = TeamsClient(teams, endpoint)

                def click(agent: int, complaint_id: int) -> None:
                    person, data = TeamsPerson.named(f"agent {agent}"), {"complaint_id": complaint_id}
                    answer = client.click(person, cards[complaint_id], "claim", data)
                    if answer.status_code == 200 and "Claimed by" in answer.text:
                        phase.seen_by_clicker[complaint_id] = time.time()

                return click

            def watch(phase: Phase, cards: dict[int, str]) -> None:
                by_id = {cards[c]: c for c in phase.sent}
                with teams.lock:
                    calls = list(teams.calls)
                for call in calls:
                    cid = by_id.get(call.activity_id or "")
                    fresh = cid is not None and cid not in phase.seen_by_everyone
                    if call.method == "PUT" and fresh and cid is not None and "Claimed by" in str(call.body):
                        phase.seen_by_everyone[cid] = call.at

            def limits_on() -> None:
                teams.enforce_limits = True

            def posted() -> int:
                with teams.lock:
                    return len([c for c in teams.calls if c.method == "POST" and not (c.body or {}).get("replyToId")])

            quiet, storm, during = _run(
                lambda s: _seeded(s, "activity"), fast, env, "/api/messages", make_click, watch, posted, limits_on
            )
    finally:
        teams.stop()
    return ToolResult("Teams", quiet, storm, during)


def report(results: list[ToolResult]) -> str:
    """The results, as Markdown."""
    lines = ["| tool | run | claims | claim to the clicker's view | claim to the card updated for everyone |"]
    lines.append("|---|---|---|---|---|")
    for r in results:
        for name, phase in (("quiet (nothing else in the lane)", r.quiet), (f"storm ({STORM} at once)", r.storm)):
            mine, everyone = phase.ms(phase.seen_by_clicker), phase.ms(phase.seen_by_everyone)
            missing = len(phase.sent) - len(everyone)
            lines.append(
                f"| {r.tool} | {name} | {len(phase.sent)}{f' ({missing} never updated)' if missing else ''} "
                f"| p50 {percentile(mine, 0.5):.0f} ms · p99 {percentile(mine, 0.99):.0f} ms "
                f"| p50 {percentile(everyone, 0.5):.0f} ms · **p99 {percentile(everyone, 0.99):.0f} ms** |"
            )
        lines.append(f"| {r.tool} | cards posted during the storm run | {r.posted_during_storm} of {STORM} | | |")
    return "\n".join(lines)
