"""The report subcommands' words: `stats`, `backlog` and `export`."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.domain.stats import DIMENSIONS, Dimension
from handlers.team.words.common import CommandError, queue_named


@dataclass(frozen=True)
class Stats:
    """`stats`: the period in the words it was asked in, a breakdown, one queue or all, and where to answer;
    `fairness` asks for waits by tier and follower band instead."""

    period: str | None = None
    by: Dimension | None = None
    public: bool = False
    queue: str | None = None
    fairness: bool = False


@dataclass(frozen=True)
class Backlog:
    """`backlog [queue NAME]`."""

    public: bool = False
    queue: str | None = None


@dataclass(frozen=True)
class Export:
    """`export [PERIOD] [queue NAME]`."""

    period: str = "30d"
    queue: str | None = None


def parse_stats(words: list[str]) -> Stats:
    """`stats [PERIOD] [by DIMENSION] [queue NAME] [public]` or `stats fairness …`."""
    public = "public" in [w.lower() for w in words]
    words = [w for w in words if w.lower() != "public"]
    queue, words = queue_named(words, "stats")
    fairness = bool(words) and words[0].lower() == "fairness"
    if fairness:
        words = words[1:]
    by: Dimension | None = None
    lowered = [w.lower() for w in words]
    if "by" in lowered:
        at = lowered.index("by")
        if at + 1 >= len(words) or lowered[at + 1] not in DIMENSIONS:
            raise CommandError("stats", f"`by` takes one of {', '.join(DIMENSIONS)}")
        by = next(d for d in DIMENSIONS if d == lowered[at + 1])
        del words[at : at + 2]
    if len(words) > 1:
        raise CommandError("stats", f"I don't know what `{' '.join(words[1:])}` means here")
    if fairness and by is not None:
        raise CommandError("stats", "fairness is broken down by tier and follower band already: leave out `by`")
    return Stats(words[0] if words else None, by, public, queue, fairness)


def parse_backlog(words: list[str]) -> Backlog:
    """`backlog [queue NAME] [public]`."""
    queue, rest = queue_named(words, "backlog")
    if any(w.lower() != "public" for w in rest):
        raise CommandError("backlog", "backlog takes only `queue NAME` and `public`")
    return Backlog(public=bool(rest), queue=queue)


def parse_export(words: list[str]) -> Export:
    """`export [PERIOD] [queue NAME]`."""
    queue, words = queue_named(words, "export")
    if len(words) > 1:
        raise CommandError("export", f"I don't know what `{' '.join(words[1:])}` means here")
    return Export(words[0].lower() if words else "30d", queue)
