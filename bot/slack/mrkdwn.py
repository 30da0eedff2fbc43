"""Make outside text inert in Slack mrkdwn: no pings, no spoofed links, no broken blocks."""

from __future__ import annotations

import re
import unicodedata

# Bidirectional overrides and isolates can make text read backwards ("moc.knab" -> "bank.com").
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MAX_SECTION_TEXT = 3000  # Block Kit's limit for a section's text


def escape(text: str) -> str:
    """Escape &, < and > as Slack asks, so `<!channel>`, `<@U1>` and `<http://x|y>` show as plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sanitize(text: str, limit: int = MAX_SECTION_TEXT) -> str:
    """Escape `text` for mrkdwn, drop control and bidi-override characters, and cut it to `limit` characters."""
    cleaned = _BIDI.sub("", _CONTROL.sub("", unicodedata.normalize("NFC", text)))
    escaped = escape(cleaned)
    if len(escaped) > limit:
        cut = escaped[: limit - 1]
        # never leave half an entity such as "&am" at the end
        amp = cut.rfind("&")
        if amp != -1 and ";" not in cut[amp:]:
            cut = cut[:amp]
        escaped = cut + "…"
    return escaped
