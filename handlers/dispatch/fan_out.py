"""One chat message per surface: what the core decides once ("update the card", "post this line in its thread"),
queued for every chat tool that is on, each naming its surface and channel. Every use case hands the outbox its
messages through `send`, so storage only stores what it is given."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from handlers.domain.complaint import CardRef
from handlers.domain.outbox_kinds import CARD_FOLLOWUP, CARD_LOG, CARD_UPDATE, DEFAULT_CHANNEL, TO_EACH_SURFACE
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWork

ON_A_CARD = frozenset({CARD_UPDATE, CARD_FOLLOWUP, CARD_LOG})  # these go where the complaint's card is
CardsOf = Callable[[Collection[int]], Mapping[int, Sequence[CardRef]]]


def to_surfaces(
    messages: Sequence[NewOutboxMessage],
    surfaces: Sequence[str],
    cards_of: CardsOf,
    known: Mapping[int, Sequence[CardRef]] | None = None,
) -> list[NewOutboxMessage]:
    """Each chat message once per surface (its key, payload and lane naming the surface and the channel of the
    complaint's card there, or the surface's own channel); every other message as it is. `known` are cards the
    caller read already; only the others are looked up. (The channel names the lane; the card itself is read
    again when the message is carried out.)"""
    chat = [m for m in messages if m.kind in TO_EACH_SURFACE and not m.payload.get("surface")]
    if not chat:
        return list(messages)
    known = known or {}
    on_a_card = {m.complaint_id for m in chat if m.kind in ON_A_CARD and m.complaint_id is not None} - set(known)
    cards = {**known, **(cards_of(on_a_card) if on_a_card else {})}
    spread: list[NewOutboxMessage] = []
    for message in messages:
        if message.kind not in TO_EACH_SURFACE or message.payload.get("surface"):
            spread.append(message)
            continue
        on_card = message.kind in ON_A_CARD and message.complaint_id is not None
        out = cards.get(message.complaint_id or 0, ()) if on_card else ()
        for surface in surfaces:
            card = next((c for c in out if c.surface == surface), None)
            queue_channels = message.payload.get("channels") or {}  # a new card goes to its queue's channel there
            channel = card.channel if card is not None else str(queue_channels.get(surface) or DEFAULT_CHANNEL)
            payload = {k: v for k, v in message.payload.items() if k != "channels"}
            payload |= {"surface": surface, "channel": channel}
            spread.append(
                NewOutboxMessage(
                    message.kind, f"{message.key}@{surface}", message.complaint_id, payload, message.rank, message.held
                )
            )
    return spread


def send(
    uow: UnitOfWork, messages: Sequence[NewOutboxMessage], cards: Mapping[int, Sequence[CardRef]] | None = None
) -> None:
    """Queue `messages` in the unit of work's outbox, each chat message once per surface that is on (`cards`: the
    complaints' cards the caller read already)."""
    spread = to_surfaces(messages, uow.surfaces, uow.complaints.cards_of, cards)
    if spread:
        uow.outbox.enqueue_many(spread)
