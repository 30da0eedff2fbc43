"""SQL storage of where each complaint's cards live, one per surface and channel."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import (
    Connection,
    delete,
    insert,
    select,
)

from handlers.domain.complaint import (
    CardRef,
)
from storage.sql.complaint_rows import SqlRows
from storage.sql.set_queries import chunks, one_of
from storage.sql.tables import complaint_cards


class SqlComplaintCards(SqlRows):
    """The cards that are out for complaints, in `complaint_cards`."""

    def add_card(self, complaint_id: int, card: CardRef) -> None:
        """Remember where one of its cards lives (a second post to the same surface and channel replaces it)."""
        key = (
            complaint_cards.c.complaint_id == complaint_id,
            complaint_cards.c.surface == card.surface,
            complaint_cards.c.channel == card.channel,
        )
        self._c.execute(delete(complaint_cards).where(*key))
        self._c.execute(
            insert(complaint_cards).values(
                complaint_id=complaint_id,
                surface=card.surface,
                channel=card.channel,
                reference=dict(card.data),
                posted_at=self._clock.now(),
            )
        )

    def move_card(self, complaint_id: int, old: CardRef, new: CardRef) -> None:
        """The card on a surface now lives at `new` (its queue's channel), no longer at `old`."""
        self._c.execute(
            delete(complaint_cards).where(
                complaint_cards.c.complaint_id == complaint_id,
                complaint_cards.c.surface == old.surface,
                complaint_cards.c.channel == old.channel,
            )
        )
        self.add_card(complaint_id, new)

    def cards_of(self, complaint_ids: Collection[int]) -> dict[int, list[CardRef]]:
        """The cards that are out for these complaints, in the order they were posted."""
        return cards_of(self._c, complaint_ids)


def cards_of(connection: Connection, complaint_ids: Collection[int]) -> dict[int, list[CardRef]]:
    """The cards that are out for these complaints, in the order they were posted."""
    found: dict[int, list[CardRef]] = {}
    for chunk in chunks(set(complaint_ids)):
        query = (
            select(complaint_cards)
            .where(one_of(connection, complaint_cards.c.complaint_id, chunk))
            .order_by(complaint_cards.c.posted_at, complaint_cards.c.surface)
        )
        for row in connection.execute(query).mappings():
            ref = CardRef(row["surface"], row["channel"], dict(row["reference"] or {}))
            found.setdefault(row["complaint_id"], []).append(ref)
    return found
