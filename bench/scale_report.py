"""The scale-out storm's figures: read where every side effect landed, and written as Markdown."""

from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from bench.percentiles import percentile
from bench.scale_agents import AgentLog
from bench.scale_constants import CHANNEL, FROM_X, KILL_AT, WARM_UP, WORKERS
from bot.slack.gateway import CARD_EVENT
from sandbox.slack_api import LocalSlack
from sandbox.x_api import LocalX
from sandbox.zendesk_api import LocalZendesk
from storage.sql.tables import complaints, messages


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


def storm_authors(column: Any) -> Any:
    """The storm's posts by author: not the warm-up mention, not our own replies read back from X."""
    return func.lower(column).not_in((WARM_UP, "squeakyair"))


def read_results(
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
                .where(~storm_authors(messages.c.author_handle))
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
    bare = percentile(floor, share)
    return percentile(ours, share) / bare if bare else float("nan")


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
            f"| **p50 {percentile(r.vip_card_seconds, 0.5):.1f} s · p99 {percentile(r.vip_card_seconds, 0.99):.1f} s** "
            "| p99 ≤ 2 s |",
            f"| of which the {len(r.vip_card_before_kill)} arriving before the kill "
            f"| p50 {percentile(r.vip_card_before_kill, 0.5):.1f} s · "
            f"p99 {percentile(r.vip_card_before_kill, 0.99):.1f} s "
            "| p99 ≤ 2 s |",
            f"| of which arrival to stored | p50 {percentile(r.vip_store_seconds, 0.5):.1f} s · "
            f"p99 {percentile(r.vip_store_seconds, 0.99):.1f} s | |",
            f"| standard cards posted while a VIP waited (rank order across workers) | **{r.inversions}** | 0 |",
            f"| agents' clicks (Claim, Take next) to Slack's 200, during the storm "
            f"| p50 {percentile(a.ack_ms, 0.5):.0f} ms · p99 {percentile(a.ack_ms, 0.99):.0f} ms "
            f"({len(a.ack_ms):,} clicks) | |",
            f"| the same clicks, each right after, to a bare Bolt app that only acks "
            f"| p50 {percentile(a.bare_ms, 0.5):.0f} ms · p99 {percentile(a.bare_ms, 0.99):.0f} ms | |",
            f"| click ÷ bare, p50 · p99 | **{_ratio(a.ack_ms, a.bare_ms, 0.5):.2f} · "
            f"{_ratio(a.ack_ms, a.bare_ms, 0.99):.2f}** | ≤ 1.5 |",
            f"| a won claim to its card showing the owner | p50 {percentile(a.shown_ms, 0.5) / 1000:.1f} s · "
            f"p99 {percentile(a.shown_ms, 0.99) / 1000:.1f} s ({len(a.shown_ms):,}) | |",
            f"| complaints handled by the 50 agents (taken, replied where on X, ticketed) | {a.handled:,}; "
            f"agents' errors: {errors} | |",
            f"| worker peak memory (VmHWM), each | {' · '.join(f'{mb:.0f} MB' for mb in r.worker_peak_mb)} "
            "| ≤ 200 MB |",
            f"| PostgreSQL connections at peak (all processes) | **{r.peak_connections}** | < 100 |",
            f"| Slack 429s · calls made before their Retry-After | {r.slack_refusals} · {r.early_calls} "
            "| all honoured |",
        ]
    )
