"""One asyncio loop in a thread of its own per process, so the synchronous worker and the WSGI web process can use
the Teams SDK, which is async. Started on first use (after gunicorn forks), and again in a forked child."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
BLOCKING_THREADS = 16  # the core is synchronous: handlers run it on these threads, off the loop


class LoopThread:
    """An event loop running in a daemon thread; coroutines are handed to it from any thread."""

    def __init__(self, name: str = "teams-loop") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def _running(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                loop.set_default_executor(ThreadPoolExecutor(BLOCKING_THREADS, thread_name_prefix=f"{self._name}-core"))
                threading.Thread(target=loop.run_forever, name=self._name, daemon=True).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        """Start `coroutine` on the loop; its future can be waited on from this thread."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._running())

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run `coroutine` on the loop and wait up to `timeout` seconds for its result (TimeoutError past it)."""
        future = self.submit(coroutine)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise
