"""Count a post's length the way X does: 280 weighted characters, a URL counts 23, wide characters count 2."""

from __future__ import annotations

import re
import unicodedata

MAX_WEIGHTED = 280
URL_LENGTH = 23
_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|ly|me|app|dev)(?:/[^\s<>\"]*)?"
)
# Ranges X weighs as 1 (Latin, common punctuation); everything else (CJK, emoji, …) weighs 2.
_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


def _weight(char: str) -> int:
    code = ord(char)
    return 1 if any(low <= code <= high for low, high in _LIGHT) else 2


def urls(text: str) -> list[str]:
    """The URLs X would shorten in `text`."""
    return [m.group(0) for m in _URL.finditer(text)]


def weighted_length(text: str) -> int:
    """The length X counts for `text` (NFC-normalized, URLs as 23)."""
    text = unicodedata.normalize("NFC", text)
    total, last = 0, 0
    for match in _URL.finditer(text):
        total += sum(_weight(c) for c in text[last : match.start()]) + URL_LENGTH
        last = match.end()
    return total + sum(_weight(c) for c in text[last:])
