"""The reply index each process keeps: built from the database in the background, rebuilt when the history changes.

Every web process holds its own copy (a query must answer in milliseconds, inside Slack's 3 s); all of them learn from
the same database, so a case one worker's agent answers joins every process's index at its next look (every
`every` seconds a cheap stamp query; a rebuild only when the stamp moved). A modal never waits for a rebuild, except
the first one in a process, and then only `first_wait` seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING

from handlers.domain.suggestions import Match, PastReply

if TYPE_CHECKING:  # scikit-learn loads with the first build, not with every process that wires the index
    from storage.suggestions.tfidf import TfidfReplyIndex

log = logging.getLogger(__name__)


class LiveReplyIndex:
    """A TF-IDF reply index kept fresh from the history, rebuilt off the request path."""

    def __init__(
        self,
        load: Callable[[], Iterable[PastReply]],
        stamp: Callable[[], Hashable],
        *,
        every: float = 60.0,
        first_wait: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load, self._stamp, self._clock = load, stamp, clock
        self.every, self.first_wait = every, first_wait
        self._index: TfidfReplyIndex | None = None
        self._built_from: Hashable = None
        self._looked_at = float("-inf")
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def refresh(self) -> bool:
        """Rebuild now if the history changed since the last build; whether it did."""
        self._looked_at = self._clock()
        stamp = self._stamp()
        if self._index is not None and stamp == self._built_from:
            return False
        from storage.suggestions.tfidf import TfidfReplyIndex

        index = TfidfReplyIndex.build(self._load())
        self._index, self._built_from = index, stamp
        learned = ", ".join(f"{brand}: {index.size(brand)}" for brand in index.brands())
        log.info("reply suggestions learned from %s", learned or "nothing yet")
        return True

    def _refresh_quietly(self) -> None:
        try:
            self.refresh()
        except Exception:  # the database away: the old index serves until the next look
            log.warning("could not rebuild the reply suggestions", exc_info=True)

    def warm(self) -> None:
        """Start building in the background now, so the first reply form finds the index ready."""
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._looked_at = self._clock()
                self._worker = threading.Thread(target=self._refresh_quietly, name="reply-index", daemon=True)
                self._worker.start()

    def _current(self) -> TfidfReplyIndex:
        if self._clock() - self._looked_at >= self.every:
            self.warm()
        worker = self._worker
        if self._index is None and worker is not None:
            worker.join(self.first_wait)
        if self._index is None:
            from storage.suggestions.tfidf import TfidfReplyIndex

            return TfidfReplyIndex()
        return self._index

    def nearest(self, brand: str, text: str, k: int) -> list[Match]:
        """Up to `k` past replies of `brand` whose complaints are nearest `text`, nearest first."""
        return self._current().nearest(brand, text, k)

    def size(self, brand: str) -> int:
        """How many past replies of `brand` the index holds."""
        return self._current().size(brand)
