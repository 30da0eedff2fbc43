"""A post's length the way Mastodon counts it: graphemes, every link as 23, a mention as its local part."""

from __future__ import annotations

import regex

from handlers.ports.gateways import PostLength

DEFAULT_LIMIT = 500
URL_LENGTH = 23  # Mastodon counts every link as 23 characters, whatever its own length
_URL = regex.compile(r"(?<![\w/.])https?://[^\s<>\"]+", regex.IGNORECASE)
_REMOTE_MENTION = regex.compile(r"(?<![\w/@])@(\w+)@[\w.-]+\w", regex.IGNORECASE)


class MastodonPostLength:
    """Mastodon's rule (its StatusLengthValidator): graphemes, a link counts 23, `@user@instance` counts as
    `@user`; the limit is the instance's own."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.rule = f"the way Mastodon counts them (a link counts {URL_LENGTH})"

    def measure(self, text: str) -> PostLength:
        """The length Mastodon will count for `text`, and how many links it holds."""
        links = _URL.findall(text)
        countable = _URL.sub("x" * URL_LENGTH, text)
        countable = _REMOTE_MENTION.sub(lambda m: f"@{m.group(1)}", countable)
        return PostLength(length=len(regex.findall(r"\X", countable)), limit=self.limit, links=len(links))
