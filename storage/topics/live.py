"""The learned topic model each worker keeps: trained from the database in the background, retrained when the history
changes. Intake never waits for it: until a model is trained, or when there is too little to learn from, it has no
guess and the keyword rules decide. Every worker learns from the same rows the same way, so they agree.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # scikit-learn loads with the first training, not in every process that wires the model
    from storage.topics.model import LearnedTopics

log = logging.getLogger(__name__)
MIN_EXAMPLES = 50  # labelled cases below which nothing is learned (and scikit-learn is not even loaded)


class LiveTopicModel:
    """A topic classifier kept fresh from labelled history (complaint text, topic), trained off the intake path."""

    def __init__(
        self,
        load: Callable[[], Iterable[tuple[str, str]]],
        stamp: Callable[[], Hashable],
        *,
        every: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load, self._stamp, self._clock = load, stamp, clock
        self.every = every
        self._model: LearnedTopics | None = None
        self._trained_from: Hashable = None
        self._looked_at = float("-inf")
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def refresh(self) -> bool:
        """Train again now if the history changed since the last training; whether it did."""
        self._looked_at = self._clock()
        stamp = self._stamp()
        if stamp == self._trained_from:
            return False
        rows = list(self._load())
        model = None
        if len(rows) >= MIN_EXAMPLES:
            from storage.topics.model import LearnedTopics

            model = LearnedTopics.train([text for text, _ in rows], [topic for _, topic in rows])
        self._model, self._trained_from = model, stamp
        if model is None:
            log.info("topics: %d labelled cases, too few to learn from; the keyword rules decide", len(rows))
        else:
            log.info("topics learned from %d labelled cases: %s", len(rows), ", ".join(model.topics))
        return True

    def _refresh_quietly(self) -> None:
        try:
            self.refresh()
        except Exception:  # the database away: the old model serves until the next look
            log.warning("could not train the topic model", exc_info=True)

    def warm(self) -> None:
        """Start training in the background now."""
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._looked_at = self._clock()
                self._worker = threading.Thread(target=self._refresh_quietly, name="topic-model", daemon=True)
                self._worker.start()

    def guess(self, text: str) -> tuple[str, float] | None:
        """The likeliest topic of `text` and its probability; None while no model is trained."""
        if self._clock() - self._looked_at >= self.every:
            self.warm()
        model = self._model
        return model.guess(text) if model is not None else None
