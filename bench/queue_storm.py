"""Storm across queues: the same 10,000 posts (the twcs customers of 76 brands, a dozen of them VIPs) arrive within
10 s at the HTTP intake, and land on four queues, each with its own Slack channel: the elite desk (VIPs), airlines,
tech brands, and the default care queue. One `python -m bot worker` process stores, cards and watches them; the local
Slack keeps about one message a second per channel, bursts of two, 429 with Retry-After. Service levels are short (a
minute to claim, the leads called a minute later) so they pass while the run is watched (150 s), and the queues go
into storm mode as their backlogs outgrow their channels."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import func, select

from bench.clicks import serve_app
from bench.ingest import scratch_database
from bench.percentiles import percentile
from bench.storm import (
    POSTS,
    VIPS,
    WAITING_FROM,
    _peak_mb,
    _wait_stored,
    pick_vips,
    register_vips,
    send_posts,
    start_worker,
    storm_env,
    storm_posts,
    wait_beating,
)
from bot.bootstrap import build_core
from bot.config import Settings
from bot.slack.gateway import CARD_EVENT
from handlers.domain.outbox_kinds import Announcement, CardPost, Page
from sandbox.slack_api import LocalSlack
from sandbox.slack_limits import ChannelPostLimit
from storage.sql.migrate import upgrade
from storage.sql.tables import audit_events, complaints, outbox

OBSERVE_SECONDS = 150.0
CHANNELS = {"elite": "C0ELITE", "airlines": "C0AIR", "tech": "C0TECH", "care": "C0CARE"}
QUEUES = """
[[queues]]
name = "elite"
title = "Elite desk"
tiers = ["vip"]
channels = { slack = "C0ELITE" }
service_levels = { vip = { claim = 1, acknowledge = 5, page = true } }

[[queues]]
name = "airlines"
title = "Airlines"
brands = ["delta", "americanair", "british_airways", "southwestair", "united", "jetblue", "alaskaair",
          "virginatlantic", "virginamerica"]
channels = { slack = "C0AIR" }
service_levels = { standard = { claim = 1, acknowledge = 5 } }

[[queues]]
name = "tech"
title = "Tech brands"
brands = ["applesupport", "amazonhelp", "xboxsupport", "askplaystation", "spotifycares", "microsofthelps",
          "comcastcares", "verizonsupport", "tmobilehelp", "sprintcare", "hpsupport", "dellcares"]
channels = { slack = "C0TECH" }
service_levels = { standard = { claim = 1, acknowledge = 5 } }

[default]
name = "care"
title = "Care team"
service_levels = { standard = { claim = 1, acknowledge = 5 } }
"""


@dataclass
class Channel:
    """What one queue's channel received."""

    cards: int = 0
    vip_cards: int = 0
    first_summary: float | None = None  # from the storm's first post
    summary_updates: int = 0
    leads_calls: int = 0


@dataclass
class QueueStormResult:
    """What the run measured."""

    sent: int
    cases: dict[str, int]  # by queue
    channels: dict[str, Channel]
    observed: float
    to_card: dict[str, list[float]]  # by tier: arrival to its card, or to the summary that first counted it
    pages: int  # direct messages to the person on call
    page_kinds: dict[str, int]  # "arrival" (one per VIP) and "queue" (one per queue past its level)
    pages_ahead_of_vips: int  # pages and channel alerts decided after a VIP's card and sent before it
    inversions: int  # standard cards posted in the elite channel while a VIP's card waited
    duplicates: int
    storms: dict[str, str]  # queue -> what the audit says (entered at / left at)
    held: int  # cards held in the outbox when the run ended
    refusals: int
    early_calls: int
    worker_peak_mb: float
    vip_cards: list[float] = field(default_factory=list)


def measure(admin_url: str, redis_url: str) -> QueueStormResult:
    """The storm on a fresh database and Redis, four queues and four channels."""
    items = storm_posts(POSTS)
    vips = pick_vips(items, VIPS)
    redis.Redis.from_url(redis_url).flushdb()
    slack = LocalSlack()
    slack.post_limit = ChannelPostLimit(per_second=1.0, burst=2)
    slack.start()
    try:
        with tempfile.TemporaryDirectory() as folder, scratch_database(admin_url) as url:
            policy = Path(folder) / "queues.toml"
            policy.write_text(QUEUES)
            upgrade(url)
            core = build_core(Settings(_env_file=None, database_url=url, redis_url=redis_url))
            register_vips(core, vips)
            env = {
                **storm_env(url, redis_url, slack),
                "QUEUES_CONFIG": str(policy),
                "SLA_LEADS_AFTER_MINUTES": "1",
            }
            with serve_app("squeaky", env) as events:
                worker = start_worker(env)
                try:
                    wait_beating(core.engine)
                    first = time.time()
                    arrivals, _ = send_posts([events.replace("/slack/events", "/intake")], items)
                    _wait_stored(core.engine, len(items), first + 120)
                    time.sleep(max(0.0, first + OBSERVE_SECONDS - time.time()))
                    peak = _peak_mb(worker.pid)
                finally:
                    worker.terminate()
                    worker.wait(timeout=30)
            result = _read(core.engine, slack, arrivals, first, time.time() - first, peak)
            core.engine.dispose()
    finally:
        slack.stop()
    return result


def _read(
    engine: Any, slack: LocalSlack, arrivals: dict[str, float], first: float, observed: float, peak: float
) -> QueueStormResult:
    with engine.connect() as c:
        rows = c.execute(
            select(
                complaints.c.id,
                complaints.c.external_id,
                complaints.c.tier,
                complaints.c.queue,
                complaints.c.received_at,
            )
        ).all()
        storms = {
            str(detail["queue"]): f"{action.split(':')[1]} at {at.timestamp() - first:.0f} s"
            for action, at, detail in c.execute(
                select(audit_events.c.action, audit_events.c.at, audit_events.c.detail)
                .where(audit_events.c.action.like("storm:%"))
                .order_by(audit_events.c.id)
            )
        }
        held = c.execute(select(func.count()).select_from(outbox).where(outbox.c.status == "held")).scalar() or 0
        sent = select(outbox.c.kind, outbox.c.created_at, outbox.c.done_at).where(outbox.c.status == "done")
        done = [(k, a.timestamp(), d.timestamp()) for k, a, d in c.execute(sent) if d is not None]
    vip_cards = [(a, d) for k, a, d in done if k == CardPost.RESERVED_KIND]
    alerts = [(a, d) for k, a, d in done if k in (Page.KIND, Announcement.KIND)]
    # an alert decided after a VIP's card but sent before it: what "never ahead of a VIP card" rules out
    ahead = sum(1 for a, d in alerts for va, vd in vip_cards if a > va and d < vd)
    cases: dict[str, int] = {}
    for row in rows:
        cases[row.queue] = cases.get(row.queue, 0) + 1
    by_id = {row.id: row for row in rows}
    channels = {name: Channel() for name in CHANNELS}
    card_at: dict[int, float] = {}
    duplicates = 0
    summaries: dict[str, list[float]] = {name: [] for name in CHANNELS}
    calls: list[float] = []
    for name, channel in CHANNELS.items():
        for message in slack.channel_messages(channel):
            meta = message.get("metadata") or {}
            at = float(message["ts"])
            if meta.get("event_type") == CARD_EVENT:
                cid = int(meta["event_payload"]["complaint_id"])
                duplicates += cid in card_at
                card_at.setdefault(cid, at)
                channels[name].cards += 1
                channels[name].vip_cards += by_id[cid].tier == "vip" if cid in by_id else 0
            elif "Storm mode on" in str(message.get("text")):
                summaries[name].append(at)
                channels[name].first_summary = at - first
                updates = [
                    call.at
                    for call in slack.calls
                    if call.method == "chat.update" and str(call.params.get("ts")) == str(message["ts"])
                ]
                summaries[name] += updates
                channels[name].summary_updates = len(updates)
            elif "past their service level" in str(message.get("text")):
                channels[name].leads_calls += 1
                calls.append(at)
    pages = [float(m["ts"]) for m in slack.dm("U0ONCALL")]
    said = [str(m.get("text")) for m in slack.dm("U0ONCALL")]
    page_kinds = {
        "arrival": sum("New complaint" in t for t in said),
        "queue": sum("past their service level" in t for t in said),
        "spike": sum(t.startswith(("Spike", "Cleared")) for t in said),
    }
    vip_ids = [cid for cid, row in by_id.items() if row.tier == "vip"]

    def vips_waiting(at: float) -> int:
        return sum(
            1
            for vid in vip_ids
            if by_id[vid].received_at.timestamp() + WAITING_FROM < at and card_at.get(vid, float("inf")) > at
        )

    inversions = sum(
        vips_waiting(card_at[cid])
        for cid, row in by_id.items()
        if row.tier != "vip" and row.queue == "elite" and cid in card_at
    )
    to_card: dict[str, list[float]] = {}
    for cid, row in by_id.items():
        arrived = arrivals.get(row.external_id)
        if arrived is None:
            continue
        stored_at = row.received_at.timestamp()
        shown = card_at.get(cid)
        later = [t for t in summaries.get(row.queue, []) if t >= stored_at]
        seen = min([t for t in (shown, min(later, default=None)) if t is not None], default=None)
        if seen is not None:
            to_card.setdefault(row.tier, []).append(seen - arrived)
    limit = slack.post_limit
    return QueueStormResult(
        sent=len(arrivals),
        cases=cases,
        channels=channels,
        observed=observed,
        to_card=to_card,
        pages=len(pages),
        page_kinds=page_kinds,
        pages_ahead_of_vips=ahead,
        inversions=inversions,
        duplicates=duplicates,
        storms=storms,
        held=int(held),
        refusals=len(limit.refusals) if limit else 0,
        early_calls=len(limit.early_calls) if limit else 0,
        worker_peak_mb=peak,
        vip_cards=[card_at[v] - arrivals[by_id[v].external_id] for v in vip_ids if v in card_at],
    )


def report(r: QueueStormResult) -> str:
    """The results, as Markdown."""
    minutes = r.observed / 60
    total_cards = sum(c.cards for c in r.channels.values())
    lines = [
        "| queue (channel) | cases | cards posted | cards a minute | storm summary | leads called |",
        "|---|---|---|---|---|---|",
    ]
    for name, channel in r.channels.items():
        summary = (
            f"first at {channel.first_summary:.0f} s, then updated {channel.summary_updates} times"
            if channel.first_summary is not None
            else "none"
        )
        lines.append(
            f"| {name} ({CHANNELS[name]}) | {r.cases.get(name, 0):,} | {channel.cards:,} "
            f"({channel.vip_cards} VIP) | {channel.cards / minutes:.1f} | {summary} | {channel.leads_calls} |"
        )
    lines.append(
        f"| **all four** | {sum(r.cases.values()):,} | {total_cards:,} | **{total_cards / minutes:.1f}** | | |"
    )
    lines += [
        "",
        "| measure | result | target |",
        "|---|---|---|",
    ]
    for tier in sorted(r.to_card):
        waits = r.to_card[tier]
        lines.append(
            f"| {tier}: arrival to its card, or to the storm summary that first counted it ({len(waits):,}) "
            f"| p50 {percentile(waits, 0.5):.1f} s · p99 {percentile(waits, 0.99):.1f} s | |"
        )
    lines += [
        f"| VIP arrival to card | p50 {percentile(r.vip_cards, 0.5):.1f} s · p99 {percentile(r.vip_cards, 0.99):.1f} s "
        "| p99 ≤ 2 s |",
        f"| pages to on-call in {r.observed:.0f} s | **{r.pages}**: {r.page_kinds['arrival']} VIP arrivals, "
        f"{r.page_kinds['queue']} for queues past their level, {r.page_kinds['spike']} spike incidents "
        "| one per queue and step |",
        f"| pages or channel alerts sent ahead of a VIP card decided before them | **{r.pages_ahead_of_vips}** | 0 |",
        f"| standard cards in the elite channel while a VIP's card waited | **{r.inversions}** | 0 |",
        f"| duplicate cards | {r.duplicates} | 0 |",
        f"| storm mode | {'; '.join(f'{q}: {what}' for q, what in sorted(r.storms.items())) or 'never'} | |",
        f"| cards held in the outbox at the end (posted when taken) | {r.held:,} | |",
        f"| 429s received · calls made before their Retry-After | {r.refusals} · **{r.early_calls}** | all honoured |",
        f"| worker peak memory (VmHWM) | {r.worker_peak_mb:.0f} MB | ≤ 200 MB |",
    ]
    return "\n".join(lines)


NOTES = """What the figures mean:

- Each queue's channel keeps its own pace (its own outbox lane and token bucket), so four channels post about four
  cards a second between them, and the elite desk's VIP cards never queue behind the crowd.
- A queue goes into storm mode when posting its waiting standard cards one by one would take more than half their
  service level: its cards are held, and one summary per channel (waiting by tier and topic, the oldest wait, the
  most urgent, a Take next button) takes their place, updated in place every 15 s. A standard complaint counts as
  shown when its card is posted or when the summary first counts it.
- Service levels pass during the run: on-call gets one page per queue (and one per VIP arrival), the leads one call
  per queue in its channel, updated, never one per complaint."""
