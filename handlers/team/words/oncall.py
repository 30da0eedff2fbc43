"""The on-call words: `oncall show|set|rotation [queue NAME]`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from handlers.team.words.common import TIME, CommandError, queue_named, user_word

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class OnCall:
    """`oncall show|set|rotation`."""

    verb: Literal["show", "set", "rotation"]
    users: tuple[str, ...] = ()
    cadence: Literal["daily", "weekly"] | None = None
    hour: int | None = None
    weekday: int | None = None
    queue: str | None = None


def parse_oncall(words: list[str]) -> OnCall:
    """`oncall show|set|rotation [queue NAME]`."""
    queue, words = queue_named(words, "oncall")
    return replace(_parse_roster(words), queue=queue)


def _parse_roster(words: list[str]) -> OnCall:
    """Who is on call, or how the rotation turns."""
    verb = words[0].lower() if words else "show"
    if verb == "show" and len(words) <= 1:
        return OnCall("show")
    if verb == "set" and len(words) == 2:
        return OnCall("set", (user_word(words[1]),))
    if verb != "rotation":
        raise CommandError("oncall", "say show, set @user, or rotation @a @b … daily|weekly")
    rest = [w.lower() for w in words[1:]]
    users = tuple(user_word(w) for w in words[1:] if w.startswith("@"))
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
            match = TIME.match(value)
            if not match or int(match[1]) > 23:
                raise CommandError("oncall", f"`{value}` is not an hour: hand-offs are on the hour, like 09:00")
            hour = int(match[1])
        else:
            if value not in WEEKDAYS:
                raise CommandError("oncall", f"`{value}` is not a day of the week")
            weekday = WEEKDAYS.index(value)
    return OnCall("rotation", users, cadence, hour, weekday)
