"""The core and the storage speak of cards, forms, people and notices: no chat tool's own words in them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SLACK_WORDS = re.compile(
    r"\bts\b|ephemeral|block ?kit|mrkdwn|user ?groups?\b|usergroup|response_url|\bviews?\b", re.IGNORECASE
)


def test_no_slack_vocabulary_in_the_core_or_the_storage() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for folder in ("handlers", "storage")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if SLACK_WORDS.search(line)
    ]
    assert found == []


def test_the_check_finds_slack_words_where_they_are() -> None:
    faces = "\n".join(path.read_text() for path in (ROOT / "bot" / "slack").glob("*.py"))
    assert {m.lower() for m in SLACK_WORDS.findall(faces)} >= {"ts", "ephemeral", "mrkdwn", "response_url"}
