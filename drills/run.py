"""Running the drills one at a time on one deployment, complaints streaming and agents clicking throughout, and the
table of what each cost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bench.scale_agents import Board
from bench.scale_constants import CHANNEL
from bot.slack.gateway import CARD_EVENT
from drills.crew import Crew
from drills.deployment import Deployment
from drills.faults import Fault
from drills.table import row
from drills.tally import SHORT_JOBS, Tally, count, first_passes_after, job_passes, late_by_lease
from drills.traffic import Stream, complaint_texts
from storage.sql.tables import complaints, outbox

LEAD_SECONDS = 8.0  # complaints stream this long before a fault, and after it
SETTLE_SECONDS = 150.0  # at most this long for every card, reply and ticket of a drill to land


@dataclass(frozen=True)
class Plan:
    """How big a run is."""

    posts_per_drill: int = 50
    agents: int = 6
    minute: float = 60.0  # how long "a minute" of an outside service failing lasts


def _carded(d: Deployment, tweet_id: str) -> bool:
    assert d.engine is not None
    try:
        with d.engine.connect() as c:
            cid = c.execute(select(complaints.c.id).where(complaints.c.external_id == tweet_id)).scalar()
    except SQLAlchemyError:
        return False
    if cid is None:
        return False
    return any(
        (m.get("metadata") or {}).get("event_type") == CARD_EVENT
        and int(m["metadata"]["event_payload"]["complaint_id"]) == cid
        for m in d.slack.channel_messages(CHANNEL)
    )


def _card_story(d: Deployment, tweet_id: str, back: float) -> str:
    """When the card of this complaint was queued, tried and posted, relative to `back`, and why it waited."""
    assert d.engine is not None
    with d.engine.connect() as c:
        cid = c.execute(select(complaints.c.id).where(complaints.c.external_id == tweet_id)).scalar()
        rows = c.execute(
            select(outbox.c.kind, outbox.c.created_at, outbox.c.done_at, outbox.c.attempts, outbox.c.last_error)
            .where(outbox.c.complaint_id == cid)
            .order_by(outbox.c.id)
        ).all()
    told = [
        f"{r.kind} queued +{r.created_at.timestamp() - back:.1f} s, done "
        f"{'never' if r.done_at is None else f'+{r.done_at.timestamp() - back:.1f} s'}, {r.attempts} tries"
        f"{f', last error {r.last_error[:80]}' if r.last_error else ''}"
        for r in rows[:3]
    ]
    return "its card: " + "; ".join(told)


def _first_card_after(d: Deployment, back: float) -> float | None:
    """Seconds from `back` to the first card posted after it (delivery back at work), or None."""
    posted = [
        float(m["ts"])
        for m in d.slack.channel_messages(CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == CARD_EVENT and float(m["ts"]) >= back
    ]
    return min(posted) - back if posted else None


def _stored_after(d: Deployment, tweet_id: str, back: float) -> float | None:
    assert d.engine is not None
    with d.engine.connect() as c:
        at = c.execute(select(complaints.c.received_at).where(complaints.c.external_id == tweet_id)).scalar()
    return None if at is None else at.timestamp() - back


def _wait(condition: Callable[[], object], seconds: float, step: float = 0.25) -> float | None:
    """Seconds until `condition()` held, or None if it did not within `seconds`."""
    started = time.time()
    while time.time() - started < seconds:
        try:
            if condition():
                return time.time() - started
        except SQLAlchemyError:
            pass
        time.sleep(step)
    return None


def drill(d: Deployment, stream: Stream, crew: Crew, fault: Fault, plan: Plan) -> Tally:
    """One drill: complaints before, during and after the fault; the recovery and periodic-job clocks; the count."""
    engine = d.engine
    assert engine is not None
    window = LEAD_SECONDS * 2 + fault.lasts(plan.minute)
    started = time.time()
    feeding = stream.steady(fault.name, plan.posts_per_drill - 1, window)
    time.sleep(LEAD_SECONDS)
    quiet = _quiet_posts(stream, fault)
    back = fault.run(d, plan.minute)
    quiet.join()
    back_at = datetime.fromtimestamp(back, UTC)
    probe = stream.tweet(fault.name)  # the first complaint after the dependency's return
    jobs = _wait(lambda: first_passes_after(engine, back_at) is not None, 60, step=0.5)  # sampled from the return on
    jobs_back = first_passes_after(engine, back_at) if jobs is not None else None
    carded = _wait(lambda: _carded(d, probe), SETTLE_SECONDS)
    stored = _stored_after(d, probe, back)
    first_card = _first_card_after(d, back)
    recovered = None if stored is None or first_card is None else max(stored, first_card, 0.0)
    feeding.join()
    ids = stream.sent[fault.name]
    settled = _wait(lambda: _settled(d, stream, crew, fault.name), SETTLE_SECONDS, step=1.0)
    tally = count(fault.name, ids, engine, d.slack, d.x, d.zendesk, crew.claims(), d.teams)
    tally.cards_late = late_by_lease(engine, d.slack, _case_ids(d, ids), back)
    clicks = crew.clicks(started, time.time())
    tally.clicks = len(clicks)
    tally.clicks_unanswered = [
        f"{c.action} on {c.complaint_id} by {c.user}" for c in clicks if not c.answer and not c.slack_failing
    ]
    tally.clicks_slack_down = sum(1 for c in clicks if not c.answer and c.slack_failing)
    failed_boots = {p.name: p.restarts for p in d.processes.values() if p.restarts}
    if failed_boots:
        tally.notes.append(f"processes that failed to boot and were started again, so far: {failed_boots}")
    again = sum(1 for c in clicks if c.answer == "click again")
    if again:
        tally.notes.append(f"{again} clicks answered privately 'click again' (and clicked again)")
    tally.recovered_s = recovered
    tally.jobs_back_s = jobs_back
    tally.probe_carded_s = None if carded is None else carded
    if recovered is None or recovered > 10:
        tally.notes.append(f"the first complaint after the return was stored after {stored} s")
        tally.notes.append(_card_story(d, probe, back))
    if jobs_back is not None and jobs_back > 10:
        passes = job_passes(engine)
        late = {job: round((passes[job] - back_at).total_seconds(), 1) for job in SHORT_JOBS if job in passes}
        tally.notes.append(f"periodic jobs' first passes after the return (s): {late}")
    if settled is None:
        tally.notes.append(f"not settled within {SETTLE_SECONDS:.0f} s")
    return tally


def _quiet_posts(stream: Stream, fault: Fault) -> threading.Thread:
    """The fault's posts to the quiet search, all a second into the fault (so they arrive during it)."""

    def run() -> None:
        time.sleep(1.0)
        for _ in range(fault.quiet_posts):
            stream.tweet_quiet(fault.name)

    thread = threading.Thread(target=run, name="quiet-posts", daemon=True)
    thread.start()
    return thread


def _case_ids(d: Deployment, tweet_ids: list[str]) -> list[int]:
    assert d.engine is not None
    with d.engine.connect() as c:
        found = c.execute(select(complaints.c.id).where(complaints.c.external_id.in_(tweet_ids)))
        return [int(r.id) for r in found]


def _settled(d: Deployment, stream: Stream, crew: Crew, name: str) -> bool:
    assert d.engine is not None
    t = count(name, stream.sent[name], d.engine, d.slack, d.x, d.zendesk, crew.claims(), d.teams)
    return not (t.unread or t.cards_lost or t.teams_cards_lost or t.replies_lost or t.tickets_lost)


def run(faults: list[Fault], plan: Plan, progress: Callable[[str], None] = print) -> tuple[list[Tally], Deployment]:
    """Bring the deployment up, run each drill in turn, bring it down; return the tallies."""
    d = Deployment().up()
    texts = complaint_texts(plan.posts_per_drill * (len(faults) + 1))
    stream = Stream(d.x, texts, bluesky=d.bluesky, mastodon=d.mastodon)
    assert d.engine is not None
    crew = Crew(plan.agents, d.web_urls(), Board(d.slack), d.engine, d.teams).start()
    tallies: list[Tally] = []
    try:
        warm = stream.tweet("warm-up")  # ingest's first poll starts from here
        if _wait(lambda: _carded(d, warm), 90) is None:
            raise RuntimeError(f"the deployment never carded its first complaint: see {d.workdir}")
        for fault in faults:
            progress(f"drill: {fault.name} ...")
            tallies.append(drill(d, stream, crew, fault, plan))
            progress(row(tallies[-1]))
    finally:
        crew.stop()
        d.down()
    return tallies, d
