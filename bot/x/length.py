"""A post's length the way X counts it, by X's published algorithm (twitter-text, version 3)."""

from __future__ import annotations

from twitter_text import extract_urls, parse_tweet

from handlers.ports.gateways import PostLength

MAX_WEIGHTED = 280
URL_LENGTH = 23  # every link counts as a t.co link, whatever its own length


class XPostLength:
    """X's rule: 280 weighted characters; CJK and emoji weigh 2 (an emoji sequence as one), a link 23."""

    rule = f"the way X counts them (a link counts {URL_LENGTH})"

    def measure(self, text: str) -> PostLength:
        """The weighted length X will count for `text`, and how many links it holds."""
        parsed = parse_tweet(text)
        return PostLength(length=parsed.weightedLength, limit=MAX_WEIGHTED, links=len(extract_urls(text)))
