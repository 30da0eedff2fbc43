"""A complaint survives the stream, and a malformed entry is refused with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.domain.complaint import IncomingComplaint
from handlers.intake.stream_codec import MalformedEntry, from_entry, from_payload, to_entry, to_payload


def test_round_trip() -> None:
    incoming = IncomingComplaint(
        "x",
        "17",
        "9",
        "ann",
        "Ann",
        "hi",
        datetime(2026, 1, 2, tzinfo=UTC),
        "https://x.com/ann/status/17",
        "16",
        "15",
        False,
    )
    assert from_payload(to_payload(incoming)) == incoming


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({}, "missing or empty field"),
        (
            {
                "source": "x",
                "external_id": "1",
                "author_id": "9",
                "author_handle": "a",
                "text": "t",
                "created_at": "yesterday",
            },
            "ISO 8601",
        ),
        (
            {
                "source": "x",
                "external_id": "1",
                "author_id": "9",
                "author_handle": "a",
                "text": "t",
                "created_at": "2026-01-02T00:00:00",
            },
            "time zone",
        ),
        (
            {
                "source": "x",
                "external_id": 1,
                "author_id": "9",
                "author_handle": "a",
                "text": "t",
                "created_at": "2026-01-02T00:00:00+00:00",
            },
            "external_id",
        ),
    ],
)
def test_malformed_payloads_are_refused_with_a_reason(payload: dict[str, object], reason: str) -> None:
    with pytest.raises(MalformedEntry, match=reason):
        from_payload(payload)


def test_an_entry_carries_a_batch_and_sets_aside_only_the_bad_posts() -> None:
    good = IncomingComplaint("x", "1", "9", "ann", "Ann", "hi", datetime(2026, 1, 2, tzinfo=UTC))
    entry = to_entry([good, good])
    entry["posts"].insert(1, {"source": "x"})
    entry["posts"].append("not a post")
    items, problems = from_entry(entry)
    assert items == [good, good]
    assert [p.split(":")[0] for p in problems] == ["post 1", "post 3"]
    assert from_entry(to_payload(good)) == ([good], [])  # an older single-post entry still reads
    assert from_entry({"posts": "nope"}) == ([], ["posts is not a list"])
