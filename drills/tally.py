"""Counting a drill where its side effects land: cards at the local Slack and Teams, replies at the local X, tickets
at the local Zendesk, and cases, claims and periodic jobs in the database."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise

from sqlalchemy import Engine, select

from bench.scale_constants import CHANNEL
from bot.slack.gateway import CARD_EVENT
from drills.teams_agents import teams_cards
from handlers.domain.outbox_effects import SocialReply, TicketCreate
from sandbox.slack_api import LocalSlack
from sandbox.teams_api import LocalTeams
from sandbox.x_api import LocalX
from sandbox.zendesk_api import LocalZendesk
from storage.sql.tables import checkpoints, complaints, messages, outbox

SHORT_JOBS = ("claims", "service-levels", "storms", "assign", "arrivals", "lost-clicks")  # every 10 s or less


@dataclass
class Tally:
    """One drill's counts."""

    drill: str
    posts: int = 0  # tweeted at the brand during the drill
    unread: list[str] = field(default_factory=list)  # tweets never stored
    cases: int = 0
    cards_lost: list[int] = field(default_factory=list)  # cases with no card
    cards_twice: list[int] = field(default_factory=list)  # cases with more than one card
    teams_cards_lost: list[int] = field(default_factory=list)  # the same, in Teams
    teams_cards_twice: list[int] = field(default_factory=list)
    replies: int = 0  # decided public replies
    replies_lost: list[int] = field(default_factory=list)
    replies_twice: list[int] = field(default_factory=list)
    tickets: int = 0  # decided tickets
    tickets_lost: list[int] = field(default_factory=list)
    tickets_twice: list[int] = field(default_factory=list)
    claims: int = 0  # claims agents saw won
    claims_kept: int = 0  # of those, still owned in the database
    jobs_back_s: float | None = None  # the slowest short periodic job's first pass after the dependency returned
    recovered_s: float | None = None  # the dependency's return to ingest storing and delivery posting again
    probe_carded_s: float | None = None  # the return to the card of the first complaint after it (behind the queue)
    waiting: list[int] = field(default_factory=list)  # replies or tickets decided and still waiting their turn
    thread_lines_twice: int = 0  # lines in cards' threads shown twice (a kill -9 mid-call may do it)
    cards_late: list[int] = field(default_factory=list)  # cards more than 10 s late because of a lease (see below)
    clicks: int = 0  # clicks the agents made during the drill
    clicks_unanswered: list[str] = field(default_factory=list)  # clicks that got no answer (Slack itself answering)
    clicks_slack_down: int = 0  # clicks whose answer could not land: Slack's Web API was failing
    notes: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Nothing unread, lost or doubled, every claim kept, every click answered, no card late because of a lease,
        the periodic jobs advancing and cards posting again within 10 s of the dependency's return."""
        lost_or_twice = (
            self.unread
            or self.cards_lost
            or self.cards_twice
            or self.teams_cards_lost
            or self.teams_cards_twice
            or self.replies_lost
            or self.replies_twice
            or self.tickets_lost
            or self.tickets_twice
            or self.clicks_unanswered
            or self.cards_late
        )
        slow = (
            self.jobs_back_s is None or self.jobs_back_s > 10.0 or self.recovered_s is None or self.recovered_s > 10.0
        )
        return not lost_or_twice and self.claims == self.claims_kept and not slow


def count(
    drill: str,
    tweet_ids: list[str],
    engine: Engine,
    slack: LocalSlack,
    x: LocalX,
    zendesk: LocalZendesk,
    claims: dict[int, str],
    teams: LocalTeams | None = None,
) -> Tally:
    """Count one drill's complaints (those tweeted during it) everywhere their effects land."""
    tally = Tally(drill, posts=len(tweet_ids))
    wanted = set(tweet_ids)
    with engine.connect() as c:
        stored = {r.external_id for r in c.execute(select(messages.c.external_id))}
        rows = [
            r
            for r in c.execute(select(complaints.c.id, complaints.c.external_id, complaints.c.status))
            if r.external_id in wanted
        ]
        ids = {r.id for r in rows}
        sends = [
            r
            for r in c.execute(select(outbox.c.kind, outbox.c.key, outbox.c.complaint_id, outbox.c.status))
            if r.complaint_id in ids and r.kind in (SocialReply.KIND, TicketCreate.KIND)
        ]
    tally.unread = sorted(wanted - stored)
    tally.cases = len(rows)
    cards: Counter[int] = Counter()
    for message in slack.channel_messages(CHANNEL):
        meta = message.get("metadata") or {}
        if meta.get("event_type") == CARD_EVENT:
            cards[int(meta["event_payload"]["complaint_id"])] += 1
    tally.cards_lost = sorted(cid for cid in ids if cards[cid] == 0)
    tally.cards_twice = sorted(cid for cid in ids if cards[cid] > 1)
    if teams is not None:
        in_teams = Counter(cid for cid, _card in teams_cards(teams))
        tally.teams_cards_lost = sorted(cid for cid in ids if in_teams[cid] == 0)
        tally.teams_cards_twice = sorted(cid for cid in ids if in_teams[cid] > 1)
    replied = Counter(str((t.get("referenced_tweets") or [{}])[0].get("id")) for t in list(x.posted))
    external = {r.id: r.external_id for r in rows}
    ticketed = Counter(str(t.get("external_id")) for t in list(zendesk.tickets.values()))
    for send in sends:
        reply = send.kind == SocialReply.KIND
        landed = replied[external[send.complaint_id]] if reply else ticketed[send.key]
        tally.replies += reply
        tally.tickets += not reply
        if landed == 0 and send.status in ("pending", "held"):  # still to go: waiting on the outside's limit
            tally.waiting.append(send.complaint_id)
        elif landed == 0:
            (tally.replies_lost if reply else tally.tickets_lost).append(send.complaint_id)
        elif landed > 1:
            (tally.replies_twice if reply else tally.tickets_twice).append(send.complaint_id)
    status = {r.id: r.status for r in rows}
    won = [cid for cid in claims if cid in ids]
    tally.claims = len(won)
    tally.claims_kept = sum(1 for cid in won if status.get(cid) not in (None, "new"))
    with slack.lock:
        lines = Counter(
            (str(m["thread_ts"]), str(m.get("text")))
            for (channel, _ts), m in slack.messages.items()
            if channel == CHANNEL and m.get("thread_ts")
        )
    tally.thread_lines_twice = sum(n - 1 for n in lines.values() if n > 1)
    return tally


def late_by_lease(engine: Engine, slack: LocalSlack, ids: list[int], back: float, idle: float = 10.0) -> list[int]:
    """Cases whose card came more than `idle` s after the later of its storing and the dependency's return, while the
    channel sat idle for more than `idle` s in between (no card posted or updated): it waited on nothing queued ahead
    of it, so on a lease. A channel that is busy posting the cards ahead is not idle."""
    if not ids:
        return []
    with engine.connect() as c:
        found = c.execute(select(complaints.c.id, complaints.c.received_at).where(complaints.c.id.in_(ids)))
        stored = {r.id: r.received_at.timestamp() for r in found}
    posted: dict[int, float] = {}
    for message in slack.channel_messages(CHANNEL):
        meta = message.get("metadata") or {}
        if meta.get("event_type") == CARD_EVENT:
            cid = int(meta["event_payload"]["complaint_id"])
            posted.setdefault(cid, float(message["ts"]))
    with slack.lock:
        active = sorted(
            c.at
            for c in slack.calls
            if c.method in ("chat.postMessage", "chat.update") and str(c.params.get("channel")) == CHANNEL
        )
    late = []
    for cid, at in sorted(posted.items()):
        if cid not in stored:
            continue
        start = max(stored[cid], back)
        if at - start <= idle:
            continue
        marks = [start, *(a for a in active if start < a < at), at]
        if max(b - a for a, b in pairwise(marks)) > idle:
            late.append(cid)
    return late


def job_passes(engine: Engine) -> dict[str, datetime]:
    """When each periodic job's period was last taken (its pass started)."""
    with engine.connect() as c:
        found = c.execute(select(checkpoints.c.name, checkpoints.c.updated_at).where(checkpoints.c.name.like("job:%")))
        return {r.name.removeprefix("job:"): r.updated_at for r in found}


def first_passes_after(engine: Engine, back: datetime) -> float | None:
    """Seconds from `back` to the slowest short job's first pass after it, or None while one has not run since."""
    passes = job_passes(engine)
    after = [passes.get(job) for job in SHORT_JOBS]
    if any(at is None or at < back for at in after):
        return None
    return max((at - back).total_seconds() for at in after if at is not None)


def now() -> datetime:
    """The time, as the database keeps it."""
    return datetime.now(UTC)
