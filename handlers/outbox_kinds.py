"""The kinds of outbox messages and their idempotency keys, named in one place."""

from __future__ import annotations

CARD_POST = "card.post"
CARD_UPDATE = "card.update"


def card_post_key(complaint_id: int) -> str:
    """Idempotency key of a complaint's (one) card."""
    return f"card.post:{complaint_id}"


def card_update_key(complaint_id: int, version: int) -> str:
    """Idempotency key of the card update for one version of a complaint."""
    return f"card.update:{complaint_id}:{version}"
