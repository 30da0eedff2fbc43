"""Render the team command's answers as Block Kit: stats, the backlog, settings; outside text made inert."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.slack.mrkdwn import sanitize
from bot.slack.refs import SURFACE
from handlers.domain.stats import Compliance, Durations, Row, StatsReport, Waiting
from handlers.team.answers.desk import Answer
from handlers.text.figures import STATS_NOTE, duration, share, waited

__all__ = ["answer_message", "duration", "rich", "share", "text", "waited"]
from handlers.domain.rich_text import Line, Link, Mention, Span

_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,20}\Z")
_PLAIN_URL = re.compile(r"https?://[^\s<>|*_~`]+\Z")  # nothing Slack would read as markup
NOTE = STATS_NOTE


def text(value: str, limit: int = 3000) -> str:
    """Outside text made inert: no mention, channel ping or link can come out of it."""
    return sanitize(value, limit)


def mention(person: Mention) -> str:
    """A person as a Slack mention where they have a (well-formed) Slack id; anyone else is their name, as text."""
    user_id = person.handles.get(SURFACE, "")
    return f"<@{user_id}>" if _SLACK_USER.match(user_id) else text(f"@{person.name}", 80)


def link(span: Link) -> str:
    """A link in mrkdwn, when its address is a plain http(s) URL Slack cannot misread; else its words, as text."""
    if _PLAIN_URL.match(span.url):
        return f"<{span.url}|{text(span.label, 200) or 'link'}>"
    return text(span.label, 200)


def _span(span: Span, limit: int) -> str:
    if isinstance(span, str):
        return text(span, limit)
    if isinstance(span, Mention):
        return mention(span)
    if isinstance(span, Link):
        return link(span)
    words = text(span.text, limit).strip()
    return f"*{words}*" if words else ""


def rich(line: str | Line, limit: int = 3000) -> str:
    """A line of the core's text in mrkdwn: its words inert (each cut to `limit`), its people mentioned, its links
    and bold words rendered."""
    if isinstance(line, str):
        return text(line, limit)
    return "".join(_span(s, limit) for s in line.spans)


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn[:3000]}}


def _p(d: Durations) -> str:
    return f"{duration(d.p50)} / {duration(d.p90)}"


def _figures(row: Row) -> list[dict[str, Any]]:
    fields = [
        f"*Received*\n{row.received:,}",
        f"*Claimed*\n{row.claimed:,} ({share(row.claimed, row.received)})",
        f"*Acknowledged publicly*\n{row.acknowledged:,} ({share(row.acknowledged, row.received)})",
        f"*Moved to a ticket*\n{row.ticketed:,} ({share(row.ticketed, row.received)})",
        f"*Dismissed*\n{row.dismissed:,}",
        f"*Time to claim* (p50 / p90)\n{_p(row.to_claim)}",
        f"*Time to acknowledge* (p50 / p90)\n{_p(row.to_ack)}",
        f"*Time to ticket* (p50 / p90)\n{_p(row.to_ticket)}",
    ]
    return [
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in part]}
        for part in (fields[:4], fields[4:])
    ]


def _met(met: int, missed: int) -> str:
    return f"{share(met, met + missed)} ({met:,} of {met + missed:,})"


def _compliance(items: list[Compliance]) -> str:
    if not items:
        return "*Service levels*: nothing was due yet."
    lines = ["*Service levels* (deadlines met)"]
    for c in items:
        claim, ack = _met(c.claim_met, c.claim_missed), _met(c.ack_met, c.ack_missed)
        lines.append(f"• {text(c.tier, 40)}: claimed in time {claim} · acknowledged in time {ack}")
    return "\n".join(lines)


def _breakdown(report: StatsReport) -> str:
    header = f"{'':18} {'in':>7} {'claimed':>8} {'acked':>7} {'ticket':>7} {'ack p50':>8} {'ack p90':>8}"
    lines = [header]
    for row in report.breakdown[:25]:
        name = row.key if len(row.key) <= 18 else row.key[:17] + "…"
        lines.append(
            f"{name:18} {row.received:>7,} {row.claimed:>8,} {row.acknowledged:>7,} {row.ticketed:>7,} "
            f"{duration(row.to_ack.p50):>8} {duration(row.to_ack.p90):>8}"
        )
    more = f"\n…and {len(report.breakdown) - 25} more" if len(report.breakdown) > 25 else ""
    return f"*By {report.by}*\n```{sanitize(chr(10).join(lines), 2800)}```{more}"


def report_blocks(report: StatsReport, now: datetime) -> list[dict[str, Any]]:
    """The stats report: figures, durations, service levels, backlog, busiest topics, and a breakdown if asked."""
    blocks = _figures(report.total)
    blocks.append(_section(_compliance(report.compliance)))
    oldest = f", the oldest for {waited(report.oldest_waiting, now)}" if report.oldest_waiting else ""
    blocks.append(_section(f"*Backlog now*: {report.backlog:,} waiting for an owner{oldest}"))
    if report.topics:
        busiest = " · ".join(f"{text(topic, 60)} {count:,}" for topic, count in report.topics)
        blocks.append(_section(f"*Busiest topics*: {busiest}"))
    if report.by and report.breakdown:
        blocks.append(_section(_breakdown(report)))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": NOTE}]})
    return blocks


def waiting_lines(waiting: tuple[Waiting, ...] | list[Waiting], links: dict[int, str], now: datetime) -> str:
    """The backlog, one line each: number, tier, topic, who, how long, what, and a link to the card."""
    lines = []
    for w in waiting:
        link = f" <{links[w.complaint_id]}|open card>" if w.complaint_id in links else ""
        said = text(w.text.replace("\n", " "), 90)
        lines.append(
            f"• *#{w.complaint_id}* {text(w.tier, 20).upper()} · {text(w.topic, 40)} · @{text(w.author_handle, 40)}, "
            f"waiting {waited(w.received_at, now)}: “{said}”{link}"
        )
    return "\n".join(lines)


def answer_message(answer: Answer, links: dict[int, str], now: datetime) -> dict[str, Any]:
    """The whole message for an answer: text (for notifications) and blocks; in the channel when public."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": answer.title[:150]}}]
    if answer.report is not None:
        blocks += report_blocks(answer.report, now)
    if answer.waiting:
        blocks.append(_section(waiting_lines(answer.waiting, links, now)))
    if answer.lines:
        blocks.append(_section("\n".join(rich(line, 500) for line in answer.lines)))
    if answer.chart is not None and not answer.refused:  # say where the chart goes: a private one is in the DMs
        where = "in this channel" if answer.public else "in your direct messages with Squeaky"
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f":bar_chart: The chart follows {where}."}]}
        )
    return {
        "response_type": "in_channel" if answer.public else "ephemeral",
        "text": text(answer.title, 300),
        "blocks": blocks,
    }
