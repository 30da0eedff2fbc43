"""Many expressions asked at once match exactly where one of them would, or are left to be asked one by one."""

from __future__ import annotations

import re

import pytest

from handlers.intake.patterns import any_of
from storage.similarity import MinHashFingerprints

PATTERNS = (
    re.compile(r"\burgent\b", re.IGNORECASE),
    re.compile(r"(?i)\bfollow (?:me )?back\b"),
    re.compile(r"stuck at"),  # case matters here
)


@pytest.mark.parametrize(
    "text",
    ["URGENT please", "pls follow me back", "Follow Back", "stuck at the gate", "Stuck At the gate", "urgently", ""],
)
def test_together_they_match_where_one_of_them_does(text: str) -> None:
    together = any_of(PATTERNS)
    assert together is not None
    assert bool(together.search(text)) == any(p.search(text) for p in PATTERNS)


def test_expressions_that_cannot_be_joined_are_asked_one_by_one() -> None:
    assert any_of([re.compile(r"(a)\1"), re.compile("b")]) is None  # a numbered back-reference would move
    assert any_of([]) is None


def test_a_batch_of_texts_gets_the_keys_each_text_gets_alone() -> None:
    fingerprints = MinHashFingerprints()
    texts = ["the phone lines are down again", "hi", "my bag never arrived in Denver", "", "phone lines down again!"]
    assert fingerprints.keys_many(texts) == [fingerprints.keys(text) for text in texts]
