"""The long-lived threads of a process, supervised: a thread whose loop dies (an error nobody caught, or a return
before the process stops) is logged once, with its traceback, and started again after a short wait; the process is
healthy only while every one of them runs, and its heartbeat says so."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)
FIRST_WAIT_SECONDS = 1.0  # before a dead thread is started again; doubled each time it dies again soon
LONGEST_WAIT_SECONDS = 30.0  # the most a thread that keeps dying waits; one that ran this long starts from the first


@dataclass
class _Thread:
    name: str
    run: Callable[[], object]
    running: bool = True
    deaths: int = 0
    thread: threading.Thread = field(init=False)


class Supervisor:
    """Starts named threads and keeps them running until `stop`; `healthy()` is whether all of them run now."""

    def __init__(
        self,
        stop: threading.Event,
        *,
        first_wait: float = FIRST_WAIT_SECONDS,
        longest_wait: float = LONGEST_WAIT_SECONDS,
    ) -> None:
        self._stop = stop
        self._first_wait = first_wait
        self._longest_wait = longest_wait
        self._threads: dict[str, _Thread] = {}
        self._guard = threading.Lock()

    def start(self, name: str, run: Callable[[], object]) -> threading.Thread:
        """Run `run()` on a daemon thread named `name`, started again whenever it dies before `stop`."""
        kept = _Thread(name, run)
        kept.thread = threading.Thread(target=self._keep, args=(kept,), name=name, daemon=True)
        with self._guard:
            self._threads[name] = kept
        kept.thread.start()
        return kept.thread

    def healthy(self) -> bool:
        """Whether every supervised thread runs now (none is dead and waiting to be started again)."""
        return not self.down()

    def down(self) -> list[str]:
        """The supervised threads that are not running now."""
        with self._guard:
            kept = list(self._threads.values())
        return [k.name for k in kept if not (k.running and k.thread.is_alive())]

    def join(self, timeout: float) -> None:
        """Wait, at most `timeout` seconds in all, for the threads to end (after `stop`)."""
        deadline = time.monotonic() + timeout
        with self._guard:
            kept = list(self._threads.values())
        for k in kept:
            k.thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _keep(self, kept: _Thread) -> None:
        wait = self._first_wait
        while not self._stop.is_set():
            started, error = time.monotonic(), None
            try:
                kept.run()
            except BaseException as exc:  # the thread's loop let an error out: said once, here, with its traceback
                error = exc
            if self._stop.is_set() and error is None:
                return
            kept.running = False
            kept.deaths += 1
            if time.monotonic() - started >= self._longest_wait:
                wait = self._first_wait  # it ran a good while: this death is news, not a loop
            how = "died" if error is not None else "ended on its own"
            log.error("the %s thread %s; it is started again in %.0fs", kept.name, how, wait, exc_info=error)
            if self._stop.wait(wait):
                return
            wait = min(self._longest_wait, wait * 2)
            log.info("the %s thread is started again (%d time(s) so far)", kept.name, kept.deaths)
            kept.running = True
