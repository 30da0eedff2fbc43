"""A customer's right to be forgotten: their posts, names and handles erased everywhere, the counts stats need kept."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from handlers.dispatch.fan_out import send
from handlers.domain.complaint import Actor, AuditEvent
from handlers.domain.outbox_kinds import URGENT_RANK, CardUpdate
from handlers.domain.people import Erased
from handlers.intake.stream_codec import from_entry, to_entry
from handlers.ports.clock import Clock
from handlers.ports.coordination import StreamQueue
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

IN_FLIGHT_WAIT_SECONDS = 30.0  # how long erasure waits for a batch being stored to finish, then erases it too


def normalize(handle: str) -> str:
    """The handle as stored: no @, lower case."""
    return handle.strip().lstrip("@").lower()


def preview(uow_factory: UnitOfWorkFactory, handle: str) -> Erased:
    """What forgetting `handle` would erase, without erasing it."""
    with uow_factory() as uow:
        return uow.customers.erase(normalize(handle), preview=True)


def forget(uow_factory: UnitOfWorkFactory, clock: Clock, stream: StreamQueue, handle: str, actor: Actor) -> Erased:
    """Erase `handle`'s posts, names and handles from the stream, complaints, messages, built-in tickets and the audit
    trail's details; cards showing them are redrawn; the erasure is audited with counts only.

    Posts on the stream go first; then the database. A batch a worker was storing at that very
    moment is waited for (at most IN_FLIGHT_WAIT_SECONDS) and the database erased again, so none
    lands after the erasure."""
    key = normalize(handle)
    if not key or not key.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise ValueError(f"{handle!r} is not a handle")
    newest_in_flight = stream.newest_pending()
    dropped: list[int] = []
    stream.rewrite(lambda payload: _without(payload, key, dropped))
    on_stream = sum(dropped)
    erased = _erase(uow_factory, clock, key, actor, on_stream)
    if newest_in_flight is not None:
        deadline = time.monotonic() + IN_FLIGHT_WAIT_SECONDS
        while not stream.is_done(newest_in_flight) and time.monotonic() < deadline:
            time.sleep(0.2)
        late = _erase(uow_factory, clock, key, actor, 0, audit=False)
        if late.complaints or late.messages:
            log.info("erasure of a customer also reached %d post(s) stored while it ran", late.messages)
            erased = Erased(
                tuple(sorted({*erased.complaints, *late.complaints})),
                erased.messages + late.messages,
                erased.tickets + late.tickets,
                erased.audit_details + late.audit_details,
                erased.registry,
                erased.stream,
            )
    return erased


def _erase(
    uow_factory: UnitOfWorkFactory, clock: Clock, key: str, actor: Actor, on_stream: int, *, audit: bool = True
) -> Erased:
    with uow_factory() as uow:
        erased = uow.customers.erase(key)
        erased = Erased(
            erased.complaints, erased.messages, erased.tickets, erased.audit_details, erased.registry, on_stream
        )
        redraw = [
            NewOutboxMessage(CardUpdate(), f"card.update:{case}:erased:{clock.now().timestamp()}", case, URGENT_RANK)
            for case in erased.complaints
        ]
        send(uow, redraw)  # cards out in the chat tools show the erased text from now on
        if audit:
            detail = {"complaints": len(erased.complaints), "posts": erased.messages, "stream": on_stream}
            uow.audit.record(AuditEvent(None, actor, "forget", None, None, clock.now(), detail))
        uow.commit()
    return erased


def _without(payload: Mapping[str, Any], key: str, dropped: list[int]) -> Mapping[str, Any] | None:
    """A stream entry without `key`'s posts (counted in `dropped`): None to drop it, itself when none are theirs."""
    items, _problems = from_entry(payload)
    kept = [item for item in items if item.author_handle.lower() != key]
    if len(kept) == len(items):
        return payload
    dropped.append(len(items) - len(kept))
    return to_entry(kept) if kept else None
