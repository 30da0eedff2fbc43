"""Answer Slack in time: run a listener's work for at most ANSWER_WITHIN seconds before the ack must go out.

Slack gives up on an ack after 3 seconds. Work that is done by then is answered in the
ack itself (a command's answer, a form's errors); work that is not goes on after a short
"working on it" ack, and its result is delivered the slower way (response_url, a message).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

ANSWER_WITHIN = 2.0  # seconds; Slack gives up on an ack after 3
T = TypeVar("T")


class AnswerBudget:
    """A small pool that runs listeners' work against Slack's deadline."""

    def __init__(self, workers: int = 8, within: float = ANSWER_WITHIN) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-answer")
        self.within = within

    def start(self, work: Callable[[], T]) -> Future[T]:
        """Start `work` and wait for it while the ack can wait: `done()` on the future says whether it made it."""
        future = self._pool.submit(work)
        wait([future], timeout=self.within)
        return future
