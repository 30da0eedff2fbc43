"""Keep a leased batch's lease alive while its messages are carried out, however slow the outside is."""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from datetime import timedelta
from types import TracebackType

from handlers.ports.clock import Clock
from handlers.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


class LeaseKeeper:
    """Renews a lease every third of its length on a thread of its own, so that a slow but alive Slack or ticketing
    system never lets a second worker take over a message this one is still carrying out. Should the lease be lost
    anyway (this process stalled past it), `lost` says which messages another executor has now."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        lease: str,
        message_ids: Collection[int],
        lease_seconds: float,
        *,
        outages: tuple[type[BaseException], ...] = (),
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._lease = lease
        self._ids = frozenset(message_ids)
        self._seconds = lease_seconds
        self._outages = outages
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep, name="lease-keeper", daemon=True)
        self._lost: set[int] = set()
        self._done: set[int] = set()
        self._guard = threading.Lock()

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def finished(self, message_id: int) -> None:
        """The message is done with (finished, retried or given back): renewing it is no longer this lease's."""
        with self._guard:
            self._done.add(message_id)

    def open(self) -> set[int]:
        """The messages this lease still holds and has not done with (neither finished nor lost)."""
        with self._guard:
            return set(self._ids - self._done - self._lost)

    def lost(self, message_id: int) -> bool:
        """Whether another executor took this message over (never carry it out then)."""
        with self._guard:
            return message_id in self._lost

    def renew_now(self) -> None:
        """Extend the lease on what is still open (the thread calls this every third of the lease)."""
        with self._guard:
            open_ids = self._ids - self._done - self._lost
        if not open_ids:
            return
        with self._uow() as uow:
            kept = uow.outbox.renew(self._lease, open_ids, self._clock.now() + timedelta(seconds=self._seconds))
            uow.commit()
        with self._guard:
            gone = open_ids - kept - self._done  # finished meanwhile is not lost
            if gone:
                log.warning("outbox lease lost on %d message(s) %s: another worker has them", len(gone), sorted(gone))
            self._lost |= gone

    def _keep(self) -> None:
        while not self._stop.wait(self._seconds / 3):
            try:
                self.renew_now()
            except self._outages as exc:  # the database is away: the next beat tries again
                log.warning("the outbox lease could not be renewed: %s", exc)
            except Exception:
                log.exception("the outbox lease could not be renewed")
