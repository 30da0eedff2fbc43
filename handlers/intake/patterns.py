"""Many regular expressions asked at once: one compiled alternation that tells whether any of them matches, so the
usual post (which matches none) is read once instead of once per expression."""

from __future__ import annotations

import re
from collections.abc import Sequence

_LEADING_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")
_SCOPED = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}
_NUMBERED = re.compile(r"\\\d|\(\?P=")  # a back-reference by number would point elsewhere in the alternation


def any_of(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    """An expression that matches where any of `patterns` does (each keeping its own flags); None when they cannot
    be put together (then ask them one by one)."""
    if not patterns:
        return None
    parts = []
    for pattern in patterns:
        text = pattern.pattern
        if _NUMBERED.search(text):
            return None
        inline = _LEADING_FLAGS.match(text)
        letters = set(inline.group(1)) if inline else set()
        if letters - set(_SCOPED):
            return None
        text = text[inline.end() :] if inline else text
        letters |= {letter for letter, flag in _SCOPED.items() if pattern.flags & flag}
        parts.append(f"(?{''.join(sorted(letters))}:{text})" if letters else f"(?:{text})")
    try:
        return re.compile("|".join(parts))
    except re.error:
        return None
