"""Scrub a past reply of everything specific to its customer, and fill a scrubbed reply in for a new one.

A past reply keeps only what any customer could be told: a greeting's name becomes {name}, a case number {case}, a
link to our DMs {dm_link}; other links, @handles, emails, booking references, long digit runs and agents'
signatures are dropped. So a hostile past reply (mentions, links) is never copied as a live mention or link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS = ("name", "case", "dm_link")
MIN_LENGTH = 12  # a scrubbed reply shorter than this says nothing worth suggesting

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|net|org|co|ly|io|me)/\S*", re.I)
_DM_WORDS = re.compile(r"\b(?:dm|direct message|private message|message us|messages?)\b[^.!?]{0,40}$", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_HANDLE = re.compile(r"(?<![\w])[@＠]\w+")
_GREETING = re.compile(
    r"\b(Hi|Hello|Hey|Dear|Hiya|Howdy|Thanks|Thank you|Sorry|Morning|Evening|Afternoon)(,?)\s+"
    r"(?!There\b|Team\b|All\b|Again\b|So\b|For\b|To\b)([A-Z][a-z'’-]{1,20})\b"
)
_CASE = re.compile(r"\b(case|ticket)(\s*(?:number|no\.?|#|:)?\s*#?\s*)(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{2,}\b", re.I)
_TRAILING_NAME = re.compile(r",\s+(?!Please\b|Thanks\b|Again\b|Too\b|Team\b)[A-Z][a-z'’-]{1,20}(?=\s*[!.?]|\s*$)")
_CODE = re.compile(r"#?\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{5,}\b|#?\b\d[\d -]{3,}\d\b")
_SIGNATURE = re.compile(  # an agent's initials or name at the end: ^JK, -AA, - Rick
    r"\s*(?:[\^~*]\s*[A-Z]{1,3}[a-z]*|\s[-–—]\s*(?:[A-Z]{1,3}|[A-Z][a-z]{1,15}(?:\s[A-Z]\.?)?))\.?\s*$"
)
_DANGLING = re.compile(r"(?:[.!?]\s*)?\b(?:also see|see|visit|at|here|via)\s*[:.]?\s*$", re.I)  # a dropped link's
_BRACES = str.maketrans({"{": "(", "}": ")"})
_SPACES = re.compile(r"[ \t]+")
_LOOSE_PUNCT = re.compile(r"\s+([,.!?;:])")
_PLACEHOLDER = re.compile(r"\{(name|case|dm_link)\}")


def _link(match: re.Match[str]) -> str:
    before = match.string[: match.start()]
    return "{dm_link}" if _DM_WORDS.search(before) or "messages" in match.group(0).lower() else ""


def scrub(reply: str, *, name: str = "", handle: str = "", case: str = "", dm_link: str = "") -> str | None:
    """The reply with the customer's specifics replaced by placeholders or dropped; None when too little is left.
    `name`, `handle`, `case` and `dm_link` are what a reply of ours is known to hold (empty for an imported one)."""
    text = reply.translate(_BRACES).replace("\r", " ").replace("\n", " ")
    if dm_link:
        text = text.replace(dm_link, "{dm_link}")
    text = _URL.sub(_link, text)
    text = _EMAIL.sub("", text)
    if handle:
        text = re.sub(rf"@{re.escape(handle)}\b", "", text, flags=re.I)
    text = _HANDLE.sub("", text)
    if case:
        text = re.sub(rf"\b{re.escape(case)}\b", "{case}", text)
    if name and len(name) > 1:
        text = re.sub(rf"\b{re.escape(name)}\b", "{name}", text)
    text = _GREETING.sub(lambda m: f"{m.group(1)}{m.group(2)} {{name}}", text)
    text = _TRAILING_NAME.sub(", {name}", text)
    text = _CASE.sub(lambda m: f"{m.group(1)}{m.group(2)}{{case}}", text)
    text = _CODE.sub("", text)
    text = _SIGNATURE.sub("", text)
    text = _LOOSE_PUNCT.sub(r"\1", _SPACES.sub(" ", text)).strip(" ,;:-")
    text = _DANGLING.sub(lambda m: m.group(0)[:1] if m.group(0)[:1] in ".!?" else "", text).strip(" ,;:-")
    return text if len(_PLACEHOLDER.sub("", text).strip()) >= MIN_LENGTH else None


def safe_name(raw: str) -> str:
    """A customer's first name fit to write in a public reply: letters only, never a mention or a link."""
    first = (raw.strip().split() or [""])[0]
    return re.sub(r"[^\w'’-]|_", "", first)[:30]


def fill(reply: str, values: Mapping[str, str]) -> str:
    """The scrubbed reply with its placeholders filled in; a greeting's {name} goes when there is no name."""
    if not values.get("name"):
        reply = re.sub(r",? \{name\}", "", reply)
    if not values.get("dm_link"):
        reply = reply.replace("{dm_link}", "a DM")
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), reply).strip()
