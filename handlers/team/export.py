"""The leads' export: one CSV row per case that arrived in a period (on one queue, or on all), with its milestones and
whether each service level was met. Pure: storage hands over the records, the faces hand over the file."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.domain.hours import BusinessHours
from handlers.domain.sla import SlaPolicy, policy_for
from handlers.domain.stats import CaseRecord, Period
from handlers.team.stats import band_of

COLUMNS = (
    "case",
    "arrived_at",
    "queue",
    "tier",
    "topic",
    "source",
    "follower_band",
    "status",
    "owner",
    "seconds_to_claim",
    "seconds_to_acknowledge",
    "seconds_to_ticket",
    "claim_level",
    "acknowledge_level",
    "handle",  # the customer, as the network names them (no "@", which a spreadsheet would read as a formula)
    "network",
    "post_link",
    "text",  # the complaint's own words
    "posted_at",  # when the customer posted (never after arrived_at): the queue's order goes by it
    "private_handoff",  # the private conversation: sent, failed, pending, or empty where none was tried
    "csat_asked",  # whether the satisfaction question was asked (yes/no)
    "csat_rating",  # the customer's rating, 1 to 5, or empty
)
_OPEN = frozenset({"new", "claimed", "ticketed"})
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run a cell starting so


@dataclass(frozen=True)
class ExportAsked:
    """What a lead asked to export: a period, and a queue or all of them."""

    period: Period
    queue: str | None = None

    @property
    def filename(self) -> str:
        """The file's name: squeaky-cases[-QUEUE]-FROM-TO.csv (dates in the team's time zone)."""
        where = f"-{self.queue}" if self.queue else ""
        zone = ZoneInfo(self.period.timezone)
        first = self.period.start.astimezone(zone).strftime("%Y%m%d")
        last = (self.period.end - timedelta(microseconds=1)).astimezone(zone).strftime("%Y%m%d")  # the last day in it
        return f"squeaky-cases{where}-{first}-{last}.csv"


def _seconds(since: datetime, at: datetime | None) -> str:
    return "" if at is None else str(max(0, round((at - since).total_seconds())))


def _level(
    done: datetime | None, record: CaseRecord, within: timedelta, hours: BusinessHours, now: datetime, *, due: bool
) -> str:
    """met / missed / running (the wait counted in the queue's business hours), or blank when the milestone is no
    longer due (closed without it)."""
    if done is not None:
        return "met" if hours.open_between(record.received_at, done) <= within else "missed"
    if not due:
        return ""
    return "running" if hours.open_between(record.received_at, now) <= within else "missed"


def _cell(value: str) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula."""
    return f"'{value}" if value.startswith(_FORMULA) else value


def _link(url: str | None) -> str:
    """The post's address, if it is a web address (anything else a network sent is left out)."""
    return _cell(url) if url and url.startswith(("https://", "http://")) and url.isprintable() else ""


def row_of(
    record: CaseRecord, policy: SlaPolicy, hours: BusinessHours, now: datetime, network: str | None = None
) -> list[str]:
    """One case as a CSV row, in COLUMNS' order; `network` names its source as agents know it."""
    is_open = record.status in _OPEN
    claimed = record.first_claimed_at or (record.resolved_at if not is_open else None)
    return [
        str(record.complaint_id),
        record.received_at.astimezone(UTC).isoformat(timespec="seconds"),
        _cell(record.queue),
        _cell(record.tier),
        _cell(record.topic),
        _cell(record.source),
        band_of(record.followers),
        record.status,
        _cell(record.owner or ""),
        _seconds(record.received_at, claimed),
        _seconds(record.received_at, record.acknowledged_at),
        _seconds(record.received_at, record.ticketed_at),
        _level(claimed, record, policy.claim_within, hours, now, due=record.status == "new"),
        _level(record.acknowledged_at, record, policy.ack_within, hours, now, due=is_open),
        _cell(record.author_handle.lstrip("@")),
        _cell(network or record.source),
        _link(record.url),
        _cell(record.text),
        (record.posted_at or record.received_at).astimezone(UTC).isoformat(timespec="seconds"),
        record.private_status or "",
        "yes" if record.survey_asked_at is not None else "no",
        str(record.survey_rating) if record.survey_rating is not None else "",
    ]


def export_csv(
    records: Iterable[CaseRecord],
    rules: Callable[[str], tuple[Mapping[str, SlaPolicy], BusinessHours]],
    now: datetime,
    networks: Mapping[str, str] | None = None,
) -> tuple[bytes, int]:
    """The CSV file (UTF-8, a header row, one row per case) and how many cases it holds; `rules` gives a queue's
    service levels by tier and its business hours, `networks` each source's name as agents know it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for record in records:
        levels, hours = rules(record.queue)
        network = (networks or {}).get(record.source)
        writer.writerow(row_of(record, policy_for(dict(levels), record.tier), hours, now, network))
        count += 1
    return out.getvalue().encode(), count
