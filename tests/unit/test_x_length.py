"""A reply's length is counted by X's published rules: emoji sequences, CJK, and links on any top-level domain."""

from __future__ import annotations

import pytest

from bot.x.length import MAX_WEIGHTED, XPostLength

X = XPostLength()
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # man, woman, girl, boy joined by ZWJ
FLAG = "\U0001f1f5\U0001f1f9"  # a regional-indicator pair
SKIN = "\U0001f44d\U0001f3fd"  # thumbs up with a skin-tone modifier


@pytest.mark.parametrize(
    ("text", "length", "links"),
    [
        ("hello", 5, 0),
        (FAMILY, 2, 0),  # one emoji sequence weighs 2, however many code points it joins
        (FLAG + SKIN, 4, 0),
        ("日本語", 6, 0),  # CJK weighs 2 a character
        ("café", 4, 0),  # NFC: é is one character whether typed composed or not
        ("cafe\u0301", 4, 0),
        ("book at squeaky.travel now", 8 + 23 + 4, 1),
        ("see status.io and squeaky.app", 4 + 23 + 5 + 23, 2),
        ("https://example.com/" + "a" * 200, 23, 1),
        ("“quotes” and — dashes", 21, 0),
    ],
)
def test_length_the_way_x_counts_it(text: str, length: int, links: int) -> None:
    measured = X.measure(text)
    assert (measured.length, measured.links) == (length, links)


def test_the_limit_and_how_far_over() -> None:
    assert X.measure("a" * MAX_WEIGHTED).over == 0
    assert X.measure("a" * 279 + FAMILY).over == 1
    assert X.measure("日" * 141).length == 282 and X.measure("日" * 141).over == 2
