"""A complaint survives the stream, and a malformed entry is refused with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.codec import MalformedEntry, from_payload, to_payload
from handlers.model import IncomingComplaint


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
