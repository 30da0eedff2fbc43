"""The service levels' words: `sla show|set|page` and `hours show|set|holiday|always`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from handlers.team.words.common import CommandError, minutes, queue_named, tier_word


@dataclass(frozen=True)
class Sla:
    """`sla show|set|page [queue NAME]`."""

    verb: Literal["show", "set", "page"]
    tier: str | None = None
    claim_minutes: int | None = None
    ack_minutes: int | None = None
    page: bool | None = None
    queue: str | None = None


@dataclass(frozen=True)
class Hours:
    """`hours show|set|holiday|always`: a queue's business hours."""

    verb: Literal["show", "set", "holiday", "always"]
    queue: str | None = None
    weekly: tuple[str, ...] = ()
    timezone: str | None = None
    dates: tuple[str, ...] = ()


def parse_sla(words: list[str]) -> Sla:
    """`sla show|set|page [queue NAME]`."""
    queue, words = queue_named(words, "sla")
    verb = words[0].lower() if words else "show"
    if verb == "show" and len(words) <= 1:
        return Sla("show", queue=queue)
    if verb == "set" and len(words) in (3, 4):
        tier = tier_word(words[1], "sla")
        claim = minutes(words[2], "sla", "the time to claim")
        ack = minutes(words[3], "sla", "the time to acknowledge") if len(words) == 4 else None
        return Sla("set", tier, claim, ack, queue=queue)
    if verb == "page" and len(words) == 3 and words[2].lower() in ("on", "off"):
        return Sla("page", tier_word(words[1], "sla"), page=words[2].lower() == "on", queue=queue)
    raise CommandError("sla", "say show, set TIER MINUTES [MINUTES], or page TIER on|off")


def parse_hours(words: list[str]) -> Hours:
    """`hours show|set|holiday|always`."""
    queue, words = queue_named(words, "hours")
    verb = words[0].lower() if words else "show"
    if verb == "show" and len(words) <= 1:
        return Hours("show", queue)
    if verb not in ("set", "holiday", "always") or len(words) < 2:
        raise CommandError("hours", "say show, or set, holiday or always and a queue's name")
    name, rest = words[1].lower(), words[2:]
    if verb == "always":
        if rest:
            raise CommandError("hours", f"I don't know what `{' '.join(rest)}` means here")
        return Hours("always", name)
    if verb == "holiday":
        if not rest:
            raise CommandError("hours", "give the dates the queue is closed, like 2026-12-25")
        return Hours("holiday", name, dates=tuple(rest))
    zone = None
    if len(rest) >= 2 and rest[-2].lower() == "in":
        zone, rest = rest[-1], rest[:-2]
    if not rest:
        raise CommandError("hours", "give days and hours, like mon-fri 09:00-17:00")
    return Hours("set", name, tuple(w.lower() for w in rest), zone)
