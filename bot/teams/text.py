"""Text in Teams without surprises: outside words go into Adaptive Card text runs, which Teams shows as they are (no
Markdown, no mentions), and only the core's `Mention` spans become mentions.

A `TextBlock` reads Markdown and a message's text reads `<at>` tags, so anything a customer
wrote stays out of both: it is a `TextRun` of a `RichTextBlock`. Mentions are the one place a
`TextBlock` carries a name, and that name is cleaned of every character Markdown or a tag
could use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape as _unescape
from typing import Any

from microsoft_teams.cards import OpenUrlAction, RichTextBlock, TextRun

from bot.teams.refs import SURFACE
from handlers.domain.rich_text import Line, Link, Mention, Strong

_SAFE_URL = re.compile(r"https?://[^\s<>\"'`]+\Z")
_TAGS = re.compile(r"<[^>]*>")
_UNSAFE_IN_NAME = re.compile(r"[<>\[\]()*_~`#\\|!]")
MAX_TEXT = 4000  # a run longer than this is cut: Teams' card payload is limited (28 KB)


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """`text` cut to `limit` characters with an ellipsis (control characters but newlines and tabs dropped)."""
    cleaned = "".join(c for c in text if c in "\n\t" or c.isprintable())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def safe_url(url: str | None) -> str | None:
    """`url` when it is a plain http(s) address a card may open, else None."""
    return url if url and _SAFE_URL.match(url) and len(url) < 2000 else None


def mention_name(name: str) -> str:
    """A person's name as it may stand between <at> and </at>: nothing Markdown or a tag could read."""
    return " ".join(_UNSAFE_IN_NAME.sub("", _TAGS.sub("", name)).split())[:80] or "someone"


@dataclass(frozen=True)
class Tagged:
    """A mention as Teams wants it: the `<at>` text and its entity."""

    text: str
    user_id: str
    name: str


def mention_of(person: Mention) -> Tagged | None:
    """The Teams mention of `person`, when they have a Teams id (None: write their name instead)."""
    user_id = person.handles.get(SURFACE)
    if not user_id:
        return None
    text = f"<at>{mention_name(person.name)}</at>"
    return Tagged(text, user_id, person.name[:80])


def runs(line: str | Line) -> list[TextRun]:
    """`line` as text runs: words as they are, `Strong` in bold, a `Link` clickable when it is http(s), a person by
    name (their mention goes in the card's mention line: see `mentions`)."""
    spans = (line,) if isinstance(line, str) else line.spans
    out: list[TextRun] = []
    for span in spans:
        if isinstance(span, str):
            out.append(TextRun(text=clip(span)))
        elif isinstance(span, Strong):
            out.append(TextRun(text=clip(span.text, 300), weight="Bolder"))
        elif isinstance(span, Link):
            url = safe_url(span.url)
            link = OpenUrlAction(url=url) if url else None
            out.append(TextRun(text=clip(span.label or span.url, 300), select_action=link))
        else:
            out.append(TextRun(text=clip(span.name, 80), weight="Bolder"))
    return out or [TextRun(text=" ")]


def block(line: str | Line, **style: Any) -> RichTextBlock:
    """`line` as one rich text block (no Markdown anywhere)."""
    return RichTextBlock(inlines=runs(line), **style)


def mentions(line: str | Line) -> list[Tagged]:
    """The Teams mentions a line calls for, once each."""
    if isinstance(line, str):
        return []
    found: dict[str, Tagged] = {}
    for span in line.spans:
        if isinstance(span, Mention):
            tagged = mention_of(span)
            if tagged is not None:
                found.setdefault(tagged.user_id, tagged)
    return list(found.values())


def text_of(html: str) -> str:
    """A message's text as typed: Teams sends it as HTML, with its entities escaped."""
    return _unescape(html).replace("\xa0", " ")


def plain(line: str | Line) -> str:
    """`line` as plain words (a notification's preview)."""
    spans = (line,) if isinstance(line, str) else line.spans
    words = [
        s if isinstance(s, str) else s.text if isinstance(s, Strong) else s.label if isinstance(s, Link) else s.name
        for s in spans
    ]
    return clip("".join(words), 300)
