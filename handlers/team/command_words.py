"""The team command's words: subcommands, their arguments and their help, parsed into requests (no I/O here).

One command, subcommands: `stats`, `backlog`, `export`, `vip`, `sla`, `oncall`, `queue`, `next`, `forget`, `help`.
Anything it cannot read is answered with the help for that subcommand, never with a trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from handlers.domain.stats import DIMENSIONS, Dimension
from handlers.intake.vip_registry import parse_handle, split_key
from handlers.team.did_you_mean import unknown_subcommand

USAGE: dict[str, tuple[str, tuple[str, ...]]] = {
    "stats": (
        "stats [today|24h|7d|30d|FROM..TO] [by agent|tier|topic|source|queue] [queue NAME] [public]"
        " | stats fairness [PERIOD] [queue NAME]",
        (
            "stats",
            "stats 7d by agent",
            "stats 7d queue elite",
            "stats by queue",
            "stats fairness 30d",
            "stats 2026-11-01..2026-11-07 by tier public",
        ),
    ),
    "backlog": (
        "backlog [queue NAME] [public]: the complaints waiting for an owner, most urgent first",
        ("backlog", "backlog queue elite"),
    ),
    "export": (
        "export [today|24h|7d|30d|FROM..TO] [queue NAME]: a CSV file, one row per case (default: the last 30d)",
        ("export 30d", "export 7d queue elite", "export 2026-11-01..2026-11-30"),
    ),
    "vip": (
        "vip add @handle [TIER] | vip remove @handle | vip list | vip import handle,tier; handle,tier … "
        "(bsky:@handle and mastodon:@user@instance on those networks)",
        (
            "vip add @jane_doe",
            "vip add bsky:@ann.bsky.social elite",
            "vip remove @jane_doe",
            "vip import @ann,vip; @bob,elite",
        ),
    ),
    "sla": (
        "sla show | sla set TIER CLAIM_MINUTES [ACK_MINUTES] | sla page TIER on|off, each [queue NAME]",
        ("sla show", "sla set vip 5 15", "sla set standard 60 queue refunds", "sla page elite on"),
    ),
    "hours": (
        "hours show [queue NAME] | hours set NAME DAYS HH:MM-HH:MM … [in ZONE] | hours holiday NAME DATE … "
        "| hours always NAME: when a queue's service-level clocks run",
        (
            "hours show",
            "hours set care mon-fri 09:00-17:00 sat 10:00-14:00 in Europe/London",
            "hours holiday care 2026-12-25 2026-12-26",
            "hours always elite",
        ),
    ),
    "oncall": (
        "oncall show | oncall set @user | oncall rotation @a @b @c daily|weekly [at HH:MM] [on DAY], each [queue NAME]",
        (
            "oncall show",
            "oncall set @maria",
            "oncall set @li queue elite",
            "oncall rotation @maria @li @sam weekly at 09:00 on monday",
        ),
    ),
    "queue": (
        "queue list | queue show NAME: the queues, what each takes, where its cards go, how many wait",
        ("queue list", "queue show care"),
    ),
    "next": (
        "next [QUEUE]: take the highest-ranked complaint waiting (on that queue), claimed for you at once",
        ("next", "next refunds"),
    ),
    "move": (
        "move #CASE QUEUE: put a complaint on another queue (its card moves to that queue's channel)",
        ("move #123 elite", "move 87 refunds"),
    ),
    "assign": (
        "assign show | assign set NAME round-robin|least-loaded|off [cap N]: push assignment on a queue",
        ("assign show", "assign set care least-loaded cap 3", "assign set elite round-robin", "assign set care off"),
    ),
    "back": (
        "back [QUEUE …]: take push assignments (on those queues; on every one that assigns by default)",
        ("back", "back elite refunds"),
    ),
    "away": ("away: take no more push assignments (what you hold stays yours)", ("away",)),
    "forget": (
        "forget @handle [confirm]: erase a customer's posts, names and handles everywhere (leads; the counts stay)",
        ("forget @jane_doe", "forget @jane_doe confirm"),
    ),
    "help": ("help [SUBCOMMAND]", ("help", "help stats")),
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_USER = re.compile(r"^@([A-Za-z0-9][A-Za-z0-9._:-]{0,127})$")  # a mention, as the face wrote it (`@U123`)
_TIER = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_HANDLE = re.compile(r"^@?[A-Za-z0-9_]{1,64}$")
_TIME = re.compile(r"^([0-9]{1,2})(?::00)?$")  # ASCII digits only: `\d` takes any script's, which int() may refuse
_COUNT = re.compile(r"^[0-9]{1,18}$")  # a whole number read before any arithmetic: at most 18 digits, fits a BIGINT


class CommandError(ValueError):
    """The words could not be read; says why, and which subcommand's help to show."""

    def __init__(self, subcommand: str | None, reason: str) -> None:
        super().__init__(reason)
        self.subcommand = subcommand
        self.reason = reason


@dataclass(frozen=True)
class Help:
    """`help [SUBCOMMAND]`."""

    subcommand: str | None = None


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


@dataclass(frozen=True)
class Vip:
    """`vip add|remove|list|import`."""

    verb: Literal["add", "remove", "list", "import"]
    handle: str | None = None
    tier: str = "vip"
    rows: str = ""


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


@dataclass(frozen=True)
class OnCall:
    """`oncall show|set|rotation`."""

    verb: Literal["show", "set", "rotation"]
    users: tuple[str, ...] = ()
    cadence: Literal["daily", "weekly"] | None = None
    hour: int | None = None
    weekday: int | None = None
    queue: str | None = None


@dataclass(frozen=True)
class QueueInfo:
    """`queue list|show NAME`."""

    verb: Literal["list", "show"]
    name: str | None = None


@dataclass(frozen=True)
class Assign:
    """`assign show|set NAME MODE [cap N]`."""

    verb: Literal["show", "set"]
    queue: str | None = None
    mode: str | None = None
    cap: int | None = None


@dataclass(frozen=True)
class Move:
    """`move #CASE QUEUE`."""

    complaint_id: int
    queue: str


@dataclass(frozen=True)
class Forget:
    """`forget @handle [confirm]`: without confirm, what would be erased."""

    handle: str
    confirm: bool = False


@dataclass(frozen=True)
class Presence:
    """`back [QUEUE …]` or `away`."""

    available: bool
    queues: tuple[str, ...] = ()


@dataclass(frozen=True)
class TakeNext:
    """`next [QUEUE]`."""

    queue: str | None = None


Request = (
    Help
    | Stats
    | Backlog
    | Export
    | Vip
    | Sla
    | Hours
    | OnCall
    | QueueInfo
    | TakeNext
    | Assign
    | Presence
    | Move
    | Forget
)


def changes_settings(request: Request) -> bool:
    """Whether the request changes team settings (only leads may)."""
    if isinstance(request, Vip):
        return request.verb != "list"
    if isinstance(request, Sla | OnCall | Hours | Assign):
        return request.verb != "show"
    return False


def help_text(subcommand: str | None = None) -> list[str]:
    """The help: one subcommand's usage with examples, or every subcommand's usage."""
    if subcommand in USAGE:
        usage, examples = USAGE[subcommand]
        return [usage, *(f"e.g. {example}" for example in examples)]
    return [usage for usage, _ in USAGE.values()]


def _minutes(word: str, sub: str, what: str) -> int:
    if not _COUNT.match(word) or not 1 <= int(word) <= 7 * 24 * 60:
        raise CommandError(sub, f"{what} must be a whole number of minutes between 1 and 10080, not `{word}`")
    return int(word)


def _tier(word: str, sub: str) -> str:
    tier = word.lower()
    if not _TIER.match(tier):
        raise CommandError(sub, f"`{word}` is not a tier name (letters, digits, - and _)")
    return tier


def _queue_named(words: list[str], sub: str) -> tuple[str | None, list[str]]:
    """`queue NAME` taken out of the words: the name (lower case), and the words left."""
    lowered = [w.lower() for w in words]
    named = [n for n, w in enumerate(lowered) if w == "queue" and (n == 0 or lowered[n - 1] != "by")]  # not `by queue`
    if not named:
        return None, words
    at = named[0]
    if at + 1 >= len(words):
        raise CommandError(sub, "`queue` takes a queue's name, like `queue elite`")
    return lowered[at + 1], words[:at] + words[at + 2 :]


def _parse_stats(words: list[str]) -> Stats:
    public = "public" in [w.lower() for w in words]
    words = [w for w in words if w.lower() != "public"]
    queue, words = _queue_named(words, "stats")
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


def _parse_export(words: list[str]) -> Export:
    queue, words = _queue_named(words, "export")
    if len(words) > 1:
        raise CommandError("export", f"I don't know what `{' '.join(words[1:])}` means here")
    return Export(words[0].lower() if words else "30d", queue)


def _parse_vip(words: list[str], raw: str) -> Vip:
    verb = words[0].lower() if words else ""
    if verb == "list" and len(words) == 1:
        return Vip("list")
    if verb == "import":
        rows = raw.split(None, 2)[2] if len(raw.split(None, 2)) > 2 else ""
        if not rows.strip():
            raise CommandError("vip", "`vip import` needs rows: handle,tier; handle,tier")
        return Vip("import", rows=rows.replace(";", "\n"))
    if verb in ("add", "remove") and len(words) >= 2:
        handle = parse_handle(words[1])
        if handle is None:
            raise CommandError(
                "vip", f"`{words[1]}` is not a handle: @name on X, bsky:@name or mastodon:@name@instance"
            )
        if verb == "remove" and len(words) == 2:
            return Vip("remove", handle)
        if verb == "add" and len(words) <= 3:
            return Vip("add", handle, _tier(words[2], "vip") if len(words) == 3 else "vip")
    raise CommandError("vip", "say add, remove, list or import, with a handle where one is needed")


def _parse_sla(words: list[str]) -> Sla:
    queue, words = _queue_named(words, "sla")
    verb = words[0].lower() if words else "show"
    if verb == "show" and len(words) <= 1:
        return Sla("show", queue=queue)
    if verb == "set" and len(words) in (3, 4):
        tier = _tier(words[1], "sla")
        claim = _minutes(words[2], "sla", "the time to claim")
        ack = _minutes(words[3], "sla", "the time to acknowledge") if len(words) == 4 else None
        return Sla("set", tier, claim, ack, queue=queue)
    if verb == "page" and len(words) == 3 and words[2].lower() in ("on", "off"):
        return Sla("page", _tier(words[1], "sla"), page=words[2].lower() == "on", queue=queue)
    raise CommandError("sla", "say show, set TIER MINUTES [MINUTES], or page TIER on|off")


def _parse_hours(words: list[str]) -> Hours:
    queue, words = _queue_named(words, "hours")
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


def _user(word: str) -> str:
    match = _USER.match(word)
    if not match:
        raise CommandError("oncall", f"`{word}` is not a person: mention them, like @maria")
    return match[1]


def _parse_oncall(words: list[str]) -> OnCall:
    queue, words = _queue_named(words, "oncall")
    return replace(_parse_roster(words), queue=queue)


def _parse_roster(words: list[str]) -> OnCall:
    verb = words[0].lower() if words else "show"
    if verb == "show" and len(words) <= 1:
        return OnCall("show")
    if verb == "set" and len(words) == 2:
        return OnCall("set", (_user(words[1]),))
    if verb != "rotation":
        raise CommandError("oncall", "say show, set @user, or rotation @a @b … daily|weekly")
    rest = [w.lower() for w in words[1:]]
    users = tuple(_user(w) for w in words[1:] if w.startswith("@"))
    rest = [w for w in rest if not w.startswith("@")]
    if len(users) < 2 or not rest or rest[0] not in ("daily", "weekly"):
        raise CommandError("oncall", "a rotation needs two or more people, then daily or weekly")
    cadence: Literal["daily", "weekly"] = "daily" if rest[0] == "daily" else "weekly"
    hour = weekday = None
    options = rest[1:]
    while options:
        if len(options) < 2 or options[0] not in ("at", "on"):
            raise CommandError("oncall", f"I don't know what `{' '.join(options)}` means here")
        key, value, options = options[0], options[1], options[2:]
        if key == "at":
            match = _TIME.match(value)
            if not match or int(match[1]) > 23:
                raise CommandError("oncall", f"`{value}` is not an hour: hand-offs are on the hour, like 09:00")
            hour = int(match[1])
        else:
            if value not in WEEKDAYS:
                raise CommandError("oncall", f"`{value}` is not a day of the week")
            weekday = WEEKDAYS.index(value)
    return OnCall("rotation", users, cadence, hour, weekday)


def _parse_queue(words: list[str]) -> QueueInfo:
    verb = words[0].lower() if words else "list"
    if verb == "list" and len(words) <= 1:
        return QueueInfo("list")
    if verb == "show" and len(words) == 2:
        return QueueInfo("show", words[1].lower())
    raise CommandError("queue", "say list, or show and a queue's name")


def _parse_assign(words: list[str]) -> Assign:
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
        if words[3].lower() != "cap" or not _COUNT.match(words[4]) or not 1 <= int(words[4]) <= 50:
            raise CommandError("assign", "the cap is `cap N`, N from 1 to 50")
        cap = int(words[4])
    return Assign("set", words[1].lower(), mode, cap)


def parse(text: str) -> Request:
    """Read a command's words into a request; raise CommandError saying what could not be read."""
    raw = " ".join(text.split()) if "\n" not in text else text.strip()
    words = text.split()
    if not words:
        return Help()
    sub, rest = words[0].lower(), words[1:]
    if sub in ("help", "?"):
        return Help(rest[0].lower() if rest and rest[0].lower() in USAGE else None)
    if sub == "stats":
        return _parse_stats(rest)
    if sub == "backlog":
        queue, rest = _queue_named(rest, "backlog")
        if any(w.lower() != "public" for w in rest):
            raise CommandError("backlog", "backlog takes only `queue NAME` and `public`")
        return Backlog(public=bool(rest), queue=queue)
    if sub == "export":
        return _parse_export(rest)
    if sub == "vip":
        return _parse_vip(rest, raw)
    if sub == "sla":
        return _parse_sla(rest)
    if sub in ("oncall", "on-call"):
        return _parse_oncall(rest)
    if sub == "hours":
        return _parse_hours(rest)
    if sub in ("queue", "queues"):
        return _parse_queue(rest)
    if sub == "assign":
        return _parse_assign(rest)
    if sub == "move":
        case = rest[0].lstrip("#") if rest else ""
        if len(rest) != 2 or not _COUNT.match(case):
            raise CommandError("move", "say move, the case number and a queue's name, like `move #123 elite`")
        return Move(int(case), rest[1].lower())
    if sub == "forget":
        confirm = len(rest) == 2 and rest[1].lower() == "confirm"
        key = parse_handle(rest[0]) if rest else None
        if len(rest) not in (1, 2) or (len(rest) == 2 and not confirm) or key is None:
            raise CommandError("forget", "say forget and the customer's @handle, then confirm to erase")
        return Forget(split_key(key)[1], confirm)  # a handle is forgotten on every network it was seen on
    if sub == "back":
        return Presence(True, tuple(w.lower() for w in rest))
    if sub == "away":
        if rest:
            raise CommandError("away", "away takes no arguments")
        return Presence(False)
    if sub == "next":
        if len(rest) > 1:
            raise CommandError("next", "say next, or next and a queue's name")
        return TakeNext(rest[0].lower() if rest else None)
    raise CommandError(None, unknown_subcommand(words[0], USAGE))
