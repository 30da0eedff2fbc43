"""The team command's words: subcommands, their arguments and their help, parsed into requests (no I/O here).

One command, subcommands: `stats`, `backlog`, `export`, `vip`, `sla`, `oncall`, `queue`, `next`, `forget`, `help`.
Anything it cannot read is answered with the help for that subcommand, never with a trace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.team.did_you_mean import unknown_subcommand
from handlers.team.words.common import CommandError
from handlers.team.words.forget import Forget, parse_forget
from handlers.team.words.oncall import OnCall, parse_oncall
from handlers.team.words.queues import (
    Assign,
    Move,
    Presence,
    QueueInfo,
    TakeNext,
    parse_assign,
    parse_away,
    parse_back,
    parse_move,
    parse_next,
    parse_queue,
)
from handlers.team.words.reports import Backlog, Export, Stats, parse_backlog, parse_export, parse_stats
from handlers.team.words.service_levels import Hours, Sla, parse_hours, parse_sla
from handlers.team.words.vip import Vip, parse_vip

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


@dataclass(frozen=True)
class Help:
    """`help [SUBCOMMAND]`."""

    subcommand: str | None = None


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


_PARSERS: dict[str, Callable[[list[str]], Request]] = {
    "stats": parse_stats,
    "backlog": parse_backlog,
    "export": parse_export,
    "sla": parse_sla,
    "oncall": parse_oncall,
    "on-call": parse_oncall,
    "hours": parse_hours,
    "queue": parse_queue,
    "queues": parse_queue,
    "assign": parse_assign,
    "move": parse_move,
    "forget": parse_forget,
    "back": parse_back,
    "away": parse_away,
    "next": parse_next,
}


def parse(text: str) -> Request:
    """Read a command's words into a request; raise CommandError saying what could not be read."""
    raw = " ".join(text.split()) if "\n" not in text else text.strip()
    words = text.split()
    if not words:
        return Help()
    sub, rest = words[0].lower(), words[1:]
    if sub in ("help", "?"):
        return Help(rest[0].lower() if rest and rest[0].lower() in USAGE else None)
    if sub == "vip":
        return parse_vip(rest, raw)
    if sub in _PARSERS:
        return _PARSERS[sub](rest)
    raise CommandError(None, unknown_subcommand(words[0], USAGE))
