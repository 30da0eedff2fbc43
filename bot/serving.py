"""Serve a WSGI app with waitress in a background thread, and stop it cleanly from another thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from waitress import wasyncore
from waitress.server import create_server


class BackgroundServer:
    """waitress in a thread (the `run` process, tests, the demo); `close()` ends it without a stray traceback."""

    def __init__(self, app: Callable[..., Any], host: str, port: int, threads: int = 8) -> None:
        # poll(), not select(): a busy process holds more than 1,024 descriptors, past which select() cannot watch one
        # and waitress's loop would end, leaving the port open and every request unanswered.
        self._server = create_server(app, host=host, port=port, threads=threads, asyncore_use_poll=True)
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name="web", daemon=True)

    @property
    def port(self) -> int:
        """The port it listens on (useful when asked for port 0)."""
        return int(self._server.effective_port)

    def start(self) -> BackgroundServer:
        """Start serving."""
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._server.run()
        except OSError:
            if not self._closing.is_set():
                raise

    def close(self) -> None:
        """Stop serving: every socket closed from the serving loop itself (which then ends), its threads ended."""
        self._closing.set()
        server = self._server
        everything = server._map  # the listening socket, the loop's trigger and every open connection
        if self._thread.is_alive():
            try:
                server.trigger.pull_trigger(lambda: wasyncore.close_all(everything))
            except OSError:  # the loop's trigger is closed already: close from here; the loop ends on an empty map
                wasyncore.close_all(everything)
            self._thread.join(timeout=5)
        else:
            wasyncore.close_all(everything)
        server.task_dispatcher.shutdown(timeout=5)
