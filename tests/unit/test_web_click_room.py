"""A web process decides clicks right after their ack only while it has room: its deciding threads and a short
backlog; a click beyond them is declined and left on the queue for a worker, as is every click with no threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from bot.slack.web_clicks import BACKLOG_PER_THREAD, WebDecisions


class HeldDecider:
    """Decides nothing until let go; counts what it was given."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.given: list[str] = []
        self.done = threading.Semaphore(0)

    def decide_now(self, click: Mapping[str, Any]) -> bool:
        self.given.append(str(click["key"]))
        assert self.go.wait(30)
        self.done.release()
        return True


def test_a_click_beyond_the_threads_and_their_backlog_is_left_to_a_worker() -> None:
    decider = HeldDecider()
    here = WebDecisions(decider, threads=1)
    room = 1 + BACKLOG_PER_THREAD
    assert all(here.offer({"key": f"k{n}"}) for n in range(room))
    assert not here.offer({"key": "one too many"})  # busy: the queued entry is a worker's
    decider.go.set()
    for _ in range(room):
        assert decider.done.acquire(timeout=30)
    assert decider.given == [f"k{n}" for n in range(room)]
    deadline = time.monotonic() + 30
    while not here.offer({"key": "after"}):  # room again once those are decided (each frees its room as it ends)
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_with_no_threads_every_click_is_left_to_a_worker() -> None:
    decider = HeldDecider()
    assert not WebDecisions(decider, threads=0).offer({"key": "k"})
    assert decider.given == []
