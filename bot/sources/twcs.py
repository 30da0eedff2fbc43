"""Read the "Customer Support on Twitter" CSV (twcs): float ids, comma lists, multi-line texts, v1.1 dates."""

from __future__ import annotations

import csv
import html
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from handlers.domain.complaint import IncomingComplaint

SOURCE = "twcs"
COLUMNS = ("tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id")
_V1_DATE = "%a %b %d %H:%M:%S %z %Y"  # Tue Oct 31 22:10:47 +0000 2017


@dataclass(frozen=True)
class Unreadable:
    """A row that could not be read, with its line in the file and why."""

    line: int
    reason: str


def _tweet_id(value: str, column: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)  # "3.0" in this file's float columns
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a tweet id") from None
    if not number.is_integer() or number < 0:
        raise ValueError(f"{column} {value!r} is not a tweet id")
    return str(int(number))


def read_twcs(path: Path) -> Iterator[IncomingComplaint | Unreadable]:
    """Yield each row as a complaint (customers' tweets) or our reply (brands' tweets), or why it could not be read."""
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        rows = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (rows.fieldnames or [])]
        if missing:
            yield Unreadable(1, f"not a twcs file: missing column(s) {', '.join(missing)}")
            return
        parsed: list[tuple[int, dict[str, str]]] = []
        start = rows.line_num + 1  # a row's first line (a quoted text can span several)
        for row in rows:
            parsed.append((start, row))
            start = rows.line_num + 1
    authors = {row["tweet_id"].strip(): (row["author_id"], row["inbound"]) for _line, row in parsed}
    for line, row in parsed:
        try:
            yield _complaint(row, authors)
        except (ValueError, KeyError, TypeError) as exc:
            yield Unreadable(line, str(exc))


def _complaint(row: dict[str, str], authors: dict[str, tuple[str, str]]) -> IncomingComplaint:
    tweet_id = _tweet_id(row["tweet_id"] or "", "tweet_id")
    if tweet_id is None:
        raise ValueError("tweet_id is empty")
    author = (row["author_id"] or "").strip()
    if not author:
        raise ValueError("author_id is empty")
    inbound = (row["inbound"] or "").strip()
    if inbound not in ("True", "False"):
        raise ValueError(f"inbound {inbound!r} is neither True nor False")
    try:
        created_at = datetime.strptime((row["created_at"] or "").strip(), _V1_DATE)
    except ValueError:
        raise ValueError(
            f"created_at {row['created_at']!r} is not a date like 'Tue Oct 31 22:10:47 +0000 2017'"
        ) from None
    text = html.unescape(row["text"] or "")
    if not text.strip():
        raise ValueError("text is empty")
    parent = _tweet_id(row["in_response_to_tweet_id"] or "", "in_response_to_tweet_id")
    parent_author, parent_inbound = authors.get(parent or "", ("", ""))
    customer = inbound == "True"
    return IncomingComplaint(
        source=SOURCE,
        external_id=tweet_id,
        author_id=author,
        author_handle=author,
        author_name=author if not author.isdigit() else f"Customer {author}",
        text=text,
        created_at=created_at,
        in_reply_to_id=parent,
        mentions_us=customer,
        replies_to_other_user=customer and parent_inbound == "True" and parent_author != author,
        from_brand=not customer,
    )
