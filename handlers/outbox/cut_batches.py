"""Give back at once what a delivery batch cut by an outage still holds, so that no worker waits for its leases to
expire before it may post in those channels again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass

from handlers.ports.clock import Clock
from handlers.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Owed:
    lease: str
    ids: tuple[int, ...]
    carrying: int | None  # the message the batch was carrying out when it was cut


class CutBatches:
    """The leases of batches an outage cut: given back at once, or, while the database is away too, owed and given
    back first thing on the next run."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, outages: tuple[type[BaseException], ...]) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._outages = outages
        self._owed: list[_Owed] = []
        self._guard = threading.Lock()

    def give_back(self, lease: str, open_ids: Collection[int], carrying: int | None) -> None:
        """Give back what the cut batch still holds: the message it was carrying out keeps its try (an earlier attempt
        may have reached the outside, and the next one looks first), the rest go back untried; due now."""
        if not open_ids:
            return
        owed = _Owed(lease, tuple(sorted(open_ids)), carrying)
        try:
            self._settle(owed)
        except self._outages:
            with self._guard:
                self._owed.append(owed)

    def settle_owed(self) -> None:
        """Give back what earlier cut batches could not (the database was away); raise if it still is."""
        with self._guard:
            owed, self._owed = self._owed, []
        for n, one in enumerate(owed):
            try:
                self._settle(one)
            except BaseException:
                with self._guard:
                    self._owed[:0] = owed[n:]
                raise

    def _settle(self, owed: _Owed) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            if owed.carrying is not None and owed.carrying in owed.ids:
                why = "given back: the batch carrying it was cut by an outage"
                uow.outbox.retry_later(owed.carrying, now, why, owed.lease, failed=False)
            uow.outbox.release_many([i for i in owed.ids if i != owed.carrying], now, owed.lease)
            uow.commit()
        log.info("an outbox batch cut by an outage gave back %d message(s) at once", len(owed.ids))
