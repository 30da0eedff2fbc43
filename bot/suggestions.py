"""Suggested replies, wired: the per-process index over the database's history, and importing a twcs export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from bot.config import Settings
from bot.sources.twcs import Unreadable, read_twcs
from handlers.domain.complaint import IncomingComplaint
from handlers.domain.suggestions import PastReply
from handlers.suggestions.history import everything, imported
from handlers.suggestions.suggest import Suggester
from storage.sql.reply_history import SqlReplyHistory
from storage.suggestions.live import LiveReplyIndex


def suggester(settings: Settings, engine: Engine) -> Suggester | None:
    """Suggestions learned from the database's history, kept fresh in this process; None when SUGGESTIONS is off."""
    if not settings.suggestions:
        return None
    history = SqlReplyHistory(engine)

    def load() -> Iterator[PastReply]:
        return everything(history, settings.x_dm_link)

    return Suggester(LiveReplyIndex(load, history.stamp))


def warm(suggester: Suggester | None) -> None:
    """Start building the index in the background: in a process that opens reply forms (the web process), so its
    first form finds it ready. Workers and commands, which open none, never build it."""
    if suggester is not None and isinstance(suggester.index, LiveReplyIndex):
        suggester.index.warm()


@dataclass
class ImportReport:
    """What an import kept, what it already had, and the rows it could not read (line, why)."""

    pairs: int = 0
    added: int = 0
    by_brand: dict[str, int] = field(default_factory=dict)
    problems: list[Unreadable] = field(default_factory=list)


def import_twcs(engine: Engine, path: Path, brand_as: dict[str, str]) -> ImportReport:
    """Learn from a twcs export: each customer's post with the brand's first reply, scrubbed, kept in the database.
    `brand_as` maps brand accounts to the queues they answer for (empty: every brand, by its account name)."""
    report = ImportReport()
    posts: list[IncomingComplaint] = []
    for row in read_twcs(path):
        if isinstance(row, Unreadable):
            report.problems.append(row)
        else:
            posts.append(row)
    pairs = imported(posts, brand_as or None)
    report.pairs = len(pairs)
    for past in pairs:
        report.by_brand[past.brand] = report.by_brand.get(past.brand, 0) + 1
    report.added = SqlReplyHistory(engine).add(pairs, origin=f"import:{path.name}")
    return report


def parse_brands(values: tuple[str, ...]) -> dict[str, str]:
    """`--brand AmericanAir=care` options as {account: queue}; a bare account keeps its own name."""
    out = {}
    for value in values:
        account, _, queue = value.partition("=")
        out[account.strip().lstrip("@")] = (queue or account).strip().lstrip("@")
    return out
