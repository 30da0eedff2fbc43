"""Replay a file of posts (twcs CSV or JSONL) at real pace, N times faster, or as fast as possible."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.sources.jsonl import read_jsonl
from bot.sources.twcs import Unreadable, read_twcs
from bot.wiring import Core
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.receive import IntakeResult, receive
from handlers.intake.stream_codec import to_entry

log = logging.getLogger(__name__)

BATCH = 500


class ReplayError(ValueError):
    """The file cannot be replayed at all (unknown format, missing)."""


@dataclass
class ReplayReport:
    """What a replay read and did."""

    posts: int = 0
    unreadable: list[Unreadable] = field(default_factory=list)
    sent: int = 0
    stored: IntakeResult | None = None  # when stored directly (no Redis); else the workers store them

    def summary(self) -> str:
        """One paragraph for the terminal."""
        lines = [f"read {self.posts:,} posts; {len(self.unreadable):,} rows could not be read"]
        lines += [f"  line {u.line}: {u.reason}" for u in self.unreadable[:20]]
        if len(self.unreadable) > 20:
            lines.append(f"  … and {len(self.unreadable) - 20:,} more")
        if self.stored is not None:
            s = self.stored
            filtered = ", ".join(f"{n:,} {rule}" for rule, n in sorted(s.filtered.items())) or "none"
            lines.append(
                f"stored: {len(s.opened):,} new cases, {s.threaded:,} follow-ups, {s.brand_replies:,} of our replies, "
                f"{s.marked:,} marked, {s.duplicates:,} already stored; filtered: {filtered}"
            )
        else:
            lines.append(f"sent {self.sent:,} posts to the stream for the workers")
        return "\n".join(lines)


def read_posts(path: Path) -> Iterator[IncomingComplaint | Unreadable]:
    """Posts from `path`, by its format: twcs CSV (.csv) or JSONL (.jsonl, .ndjson)."""
    if not path.is_file():
        raise ReplayError(f"{path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_twcs(path)
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(path)
    raise ReplayError(f"{path.name}: replay reads twcs CSV (.csv) or JSONL (.jsonl, .ndjson) files")


def _merge(total: IntakeResult, part: IntakeResult) -> None:
    total.opened += part.opened
    total.threaded += part.threaded
    total.marked += part.marked
    total.duplicates += part.duplicates
    total.brand_replies += part.brand_replies
    for rule, count in part.filtered.items():
        total.filtered[rule] = total.filtered.get(rule, 0) + count


def replay(
    core: Core,
    path: Path,
    *,
    speed: float,
    direct: bool,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    progress: Callable[[int], None] | None = None,
) -> ReplayReport:
    """Send the file's posts in the order they were written; speed 1 is real pace, 0 as fast as possible.

    `direct` stores them in this process (no Redis: the `run` process posts the cards from
    the database's outbox); otherwise they go onto the stream for the workers.
    """
    report = ReplayReport(stored=IntakeResult() if direct else None)
    posts: list[IncomingComplaint] = []
    for entry in read_posts(path):
        if isinstance(entry, Unreadable):
            report.unreadable.append(entry)
        else:
            posts.append(entry)
    report.posts = len(posts)
    posts.sort(key=lambda p: p.created_at)
    if not posts:
        return report
    first, started = posts[0].created_at, monotonic()
    pending: list[IncomingComplaint] = []

    def flush() -> None:
        if not pending:
            return
        if direct:
            assert report.stored is not None
            _merge(report.stored, receive(core.uow_factory, core.clock, core.dedupe, core.triage, pending))
        else:
            core.queue.add(to_entry(pending))
        report.sent += len(pending)
        pending.clear()
        if progress is not None:
            progress(report.sent)

    for post in posts:
        if speed > 0:
            due = (post.created_at - first).total_seconds() / speed
            wait = due - (monotonic() - started)
            if wait > 0:
                flush()  # what is due now goes out before we wait for the next one
                sleep(wait)
        pending.append(post)
        if len(pending) >= BATCH:
            flush()
    flush()
    return report
