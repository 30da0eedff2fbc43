"""A post's length the way Bluesky counts it: 300 graphemes (what a reader sees as one character)."""

from __future__ import annotations

import regex

from handlers.ports.gateways import PostLength

MAX_GRAPHEMES = 300
_URL = regex.compile(r"https?://[^\s]+", regex.IGNORECASE)


class BlueskyPostLength:
    """Bluesky's rule: 300 graphemes, a link counted in full as written (an emoji sequence or a letter with its
    accents is one grapheme)."""

    rule = "the way Bluesky counts them (graphemes; a link in full)"

    def measure(self, text: str) -> PostLength:
        """The graphemes Bluesky will count for `text`, and how many links it holds."""
        graphemes = len(regex.findall(r"\X", text))
        return PostLength(length=graphemes, limit=MAX_GRAPHEMES, links=len(_URL.findall(text)))
