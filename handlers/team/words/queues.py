"""The queues' words: `queue list|show`, `next`, `move`, `assign`, `back` and `away`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from handlers.team.words.common import COUNT, CommandError


@dataclass(frozen=True)
class QueueInfo:
    """`queue list|show NAME`."""

    verb: Literal["list", "show"]
    name: str | None = None


@dataclass(frozen=True)
class TakeNext:
    """`next [QUEUE]`."""

    queue: str | None = None


@dataclass(frozen=True)
class Move:
    """`move #CASE QUEUE`."""

    complaint_id: int
    queue: str


@dataclass(frozen=True)
class Assign:
    """`assign show|set NAME MODE [cap N]`."""

    verb: Literal["show", "set"]
    queue: str | None = None
    mode: str | None = None
    cap: int | None = None


@dataclass(frozen=True)
class Presence:
    """`back [QUEUE …]` or `away`."""

    available: bool
    queues: tuple[str, ...] = ()


def parse_queue(words: list[str]) -> QueueInfo:
    """`queue list|show NAME`."""
    verb = words[0].lower() if words else "list"
    if verb == "list" and len(words) <= 1:
        return QueueInfo("list")
    if verb == "show" and len(words) == 2:
        return QueueInfo("show", words[1].lower())
    raise CommandError("queue", "say list, or show and a queue's name")


def parse_assign(words: list[str]) -> Assign:
    """`assign show|set NAME MODE [cap N]`."""
    verb = words[0].lower() if words else "show"
    if verb == "show" and len(words) <= 1:
        return Assign("show")
    if verb != "set" or len(words) not in (3, 5):
        raise CommandError("assign", "say show, or set and a queue's name, round-robin, least-loaded or off")
    mode = words[2].lower()
    if mode not in ("round-robin", "least-loaded", "off"):
        raise CommandError("assign", f"`{words[2]}` is not a way to assign: round-robin, least-loaded or off")
    cap = None
    if len(words) == 5:
        if words[3].lower() != "cap" or not COUNT.match(words[4]) or not 1 <= int(words[4]) <= 50:
            raise CommandError("assign", "the cap is `cap N`, N from 1 to 50")
        cap = int(words[4])
    return Assign("set", words[1].lower(), mode, cap)


def parse_move(words: list[str]) -> Move:
    """`move #CASE QUEUE`."""
    case = words[0].lstrip("#") if words else ""
    if len(words) != 2 or not COUNT.match(case):
        raise CommandError("move", "say move, the case number and a queue's name, like `move #123 elite`")
    return Move(int(case), words[1].lower())


def parse_back(words: list[str]) -> Presence:
    """`back [QUEUE …]`."""
    return Presence(True, tuple(w.lower() for w in words))


def parse_away(words: list[str]) -> Presence:
    """`away`."""
    if words:
        raise CommandError("away", "away takes no arguments")
    return Presence(False)


def parse_next(words: list[str]) -> TakeNext:
    """`next [QUEUE]`."""
    if len(words) > 1:
        raise CommandError("next", "say next, or next and a queue's name")
    return TakeNext(words[0].lower() if words else None)
