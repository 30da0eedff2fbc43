"""The words every subcommand shares: the error that says what could not be read, and the small readers."""

from __future__ import annotations

import re

_USER = re.compile(r"^@([A-Za-z0-9][A-Za-z0-9._:-]{0,127})$")  # a mention, as the face wrote it (`@U123`)
_TIER = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
TIME = re.compile(r"^([0-9]{1,2})(?::00)?$")  # ASCII digits only: `\d` takes any script's, which int() may refuse
COUNT = re.compile(r"^[0-9]{1,18}$")  # a whole number read before any arithmetic: at most 18 digits, fits a BIGINT


class CommandError(ValueError):
    """The words could not be read; says why, and which subcommand's help to show."""

    def __init__(self, subcommand: str | None, reason: str) -> None:
        super().__init__(reason)
        self.subcommand = subcommand
        self.reason = reason


def minutes(word: str, sub: str, what: str) -> int:
    """A number of minutes from 1 to a week, read from `word`, or a CommandError naming `what`."""
    if not COUNT.match(word) or not 1 <= int(word) <= 7 * 24 * 60:
        raise CommandError(sub, f"{what} must be a whole number of minutes between 1 and 10080, not `{word}`")
    return int(word)


def tier_word(word: str, sub: str) -> str:
    """A tier name (lower case) read from `word`, or a CommandError."""
    tier = word.lower()
    if not _TIER.match(tier):
        raise CommandError(sub, f"`{word}` is not a tier name (letters, digits, - and _)")
    return tier


def queue_named(words: list[str], sub: str) -> tuple[str | None, list[str]]:
    """`queue NAME` taken out of the words: the name (lower case), and the words left."""
    lowered = [w.lower() for w in words]
    named = [n for n, w in enumerate(lowered) if w == "queue" and (n == 0 or lowered[n - 1] != "by")]  # not `by queue`
    if not named:
        return None, words
    at = named[0]
    if at + 1 >= len(words):
        raise CommandError(sub, "`queue` takes a queue's name, like `queue elite`")
    return lowered[at + 1], words[:at] + words[at + 2 :]


def user_word(word: str) -> str:
    """The person a mention (`@U123`) names, or a CommandError."""
    match = _USER.match(word)
    if not match:
        raise CommandError("oncall", f"`{word}` is not a person: mention them, like @maria")
    return match[1]
