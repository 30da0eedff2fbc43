"""One chat message per surface: what the core decides once ("update the card", "post this line in its thread"),
queued for every chat tool that is on, each naming its surface and channel. Every use case hands the outbox its
messages through `send`, so storage only stores what it is given."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from handlers.domain.complaint import CardRef
from handlers.domain.outbox_kinds import DEFAULT_CHANNEL, ChatMessage
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWork

CardsOf = Callable[[Collection[int]], Mapping[int, Sequence[CardRef]]]


def _unspread(message: NewOutboxMessage) -> ChatMessage | None:
    """The chat message still to be spread over the surfaces (one naming no surface yet), else None."""
    body = message.body
    return body if isinstance(body, ChatMessage) and not body.surface else None


def to_surfaces(
    messages: Sequence[NewOutboxMessage],
    surfaces: Sequence[str],
    cards_of: CardsOf,
    known: Mapping[int, Sequence[CardRef]] | None = None,
) -> list[NewOutboxMessage]:
    """Each chat message once per surface (its key and body naming the surface and the channel of the complaint's
    card there, or of its queue there, or the surface's own channel); every other message as it is. `known` are
    cards the caller read already; only the others are looked up. (The channel names the lane; the card itself is
    read again when the message is carried out.)"""
    chat = [(m, body) for m in messages if (body := _unspread(m)) is not None]
    if not chat:
        return list(messages)
    known = known or {}
    on_a_card = {m.complaint_id for m, body in chat if body.ON_A_CARD and m.complaint_id is not None} - set(known)
    cards = {**known, **(cards_of(on_a_card) if on_a_card else {})}
    spread: list[NewOutboxMessage] = []
    for message in messages:
        body = _unspread(message)
        if body is None:
            spread.append(message)
            continue
        on_card = body.ON_A_CARD and message.complaint_id is not None
        out = cards.get(message.complaint_id or 0, ()) if on_card else ()
        for surface in surfaces:
            card = next((c for c in out if c.surface == surface), None)
            channel = card.channel if card is not None else body.channels.get(surface) or DEFAULT_CHANNEL
            spread.append(  # built, not replaced: this runs for every card and follow-up line of a storm
                NewOutboxMessage(
                    body.on(surface, channel),
                    f"{message.key}@{surface}",
                    message.complaint_id,
                    message.rank,
                    message.held,
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
