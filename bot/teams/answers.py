"""The leads' command answers as Adaptive Cards: stats (with the chart as an image the card loads), the backlog with
links to the cards, service levels, the roster; outside text always in text runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from microsoft_teams.cards import AdaptiveCard, Fact, FactSet, Image, OpenUrlAction, RichTextBlock, TextRun

from bot.teams.cards import adaptive
from bot.teams.text import clip, runs
from handlers.domain.complaint import CardRef
from handlers.domain.rich_text import Line
from handlers.domain.stats import StatsReport, Waiting
from handlers.team.answers.desk import Answer
from handlers.text.figures import STATS_NOTE, duration, share, waited


def _p(durations: Any) -> str:
    return f"{duration(durations.p50)} / {duration(durations.p90)}"


def _met(met: int, missed: int) -> str:
    return f"{share(met, met + missed)} ({met:,} of {met + missed:,})"


def report_blocks(report: StatsReport, now: datetime) -> list[Any]:
    """Figures, durations, service levels, the backlog, busiest topics, and a breakdown if asked."""
    row = report.total
    facts = [
        ("Received", f"{row.received:,}"),
        ("Claimed", f"{row.claimed:,} ({share(row.claimed, row.received)})"),
        ("Acknowledged publicly", f"{row.acknowledged:,} ({share(row.acknowledged, row.received)})"),
        ("Moved to a ticket", f"{row.ticketed:,} ({share(row.ticketed, row.received)})"),
        ("Dismissed", f"{row.dismissed:,}"),
        ("Time to claim (p50 / p90)", _p(row.to_claim)),
        ("Time to acknowledge (p50 / p90)", _p(row.to_ack)),
        ("Time to ticket (p50 / p90)", _p(row.to_ticket)),
    ]
    blocks: list[Any] = [FactSet(facts=[Fact(title=t, value=v) for t, v in facts])]
    if report.compliance:
        blocks.append(RichTextBlock(inlines=[TextRun(text="Service levels (deadlines met)", weight="Bolder")]))
        for c in report.compliance:
            claim, ack = _met(c.claim_met, c.claim_missed), _met(c.ack_met, c.ack_missed)
            line = f"• {clip(c.tier, 40)}: claimed in time {claim} · acknowledged in time {ack}"
            blocks.append(RichTextBlock(inlines=[TextRun(text=line)], spacing="None"))
    else:
        blocks.append(RichTextBlock(inlines=[TextRun(text="Service levels: nothing was due yet.")]))
    oldest = f", the oldest for {waited(report.oldest_waiting, now)}" if report.oldest_waiting else ""
    blocks.append(
        RichTextBlock(inlines=[TextRun(text=f"Backlog now: {report.backlog:,} waiting for an owner{oldest}")])
    )
    if report.topics:
        busiest = " · ".join(f"{clip(topic, 60)} {count:,}" for topic, count in report.topics)
        blocks.append(RichTextBlock(inlines=[TextRun(text="Busiest topics: ", weight="Bolder"), TextRun(text=busiest)]))
    if report.by and report.breakdown:
        blocks.append(RichTextBlock(inlines=[TextRun(text=f"By {report.by}", weight="Bolder")]))
        header = f"{'':18} {'in':>7} {'claimed':>8} {'acked':>7} {'ack p50':>8}"
        lines = [header] + [
            f"{clip(r.key, 18):18} {r.received:>7,} {r.claimed:>8,} {r.acknowledged:>7,} {duration(r.to_ack.p50):>8}"
            for r in report.breakdown[:25]
        ]
        blocks.append(RichTextBlock(inlines=[TextRun(text="\n".join(lines), font_type="Monospace")]))
    blocks.append(RichTextBlock(inlines=[TextRun(text=STATS_NOTE, is_subtle=True, size="Small")]))
    return blocks


def waiting_blocks(waiting: tuple[Waiting, ...], link: Callable[[CardRef], str | None], now: datetime) -> list[Any]:
    """The backlog, one line each: number, tier, topic, who, how long, what, and a link to its Teams card."""
    blocks: list[Any] = []
    for w in waiting:
        said = clip(w.text.replace("\n", " "), 90)
        line = [
            TextRun(text=f"#{w.complaint_id}", weight="Bolder"),
            TextRun(text=f" {clip(w.tier, 20).upper()} · {clip(w.topic, 40)} · @{clip(w.author_handle, 40)}, "),
            TextRun(text=f"waiting {waited(w.received_at, now)}: “{said}”"),
        ]
        url = next((u for c in w.cards if (u := link(c))), None)
        if url:
            line += [TextRun(text=" · "), TextRun(text="open card", select_action=OpenUrlAction(url=url))]
        blocks.append(RichTextBlock(inlines=line, spacing="Small"))
    return blocks


def answer_card(
    answer: Answer,
    link: Callable[[CardRef], str | None],
    now: datetime,
    chart: str | None,
    download: str | None = None,
) -> AdaptiveCard:
    """The whole answer as a card; `chart` is the address of its chart image and `download` of its export file, when
    there is one."""
    title = RichTextBlock(inlines=[TextRun(text=clip(answer.title, 150), weight="Bolder", size="Large")])
    body: list[Any] = [title]
    if answer.report is not None:
        body += report_blocks(answer.report, now)
    if chart:
        body.append(Image(url=chart, alt_text="Complaints received and median time to acknowledge", size="Stretch"))
    body += waiting_blocks(answer.waiting, link, now)
    body += [RichTextBlock(inlines=runs(line)) for line in answer.lines]
    if answer.export is not None and not download:
        body.append(RichTextBlock(inlines=[TextRun(text="The file needs PUBLIC_URL set, to be downloaded from here.")]))
    mentioned = Line(tuple(s for line in answer.lines if isinstance(line, Line) for s in line.spans))
    actions = [OpenUrlAction(title="Download the CSV (for an hour)", url=download)] if download else None
    return adaptive(body, actions, line=mentioned)
