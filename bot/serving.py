"""Serve a WSGI app with waitress in a background thread, and stop it cleanly from another thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from waitress.server import create_server


class BackgroundServer:
    """waitress in a thread (the `run` process, tests, the demo); `close()` ends it without a stray traceback."""

    def __init__(self, app: Callable[..., Any], host: str, port: int, threads: int = 8) -> None:
        self._server = create_server(app, host=host, port=port, threads=threads)
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
                raise  # closing from another thread ends waitress's loop on a closed socket: that is the end

    def close(self) -> None:
        """Stop serving and wait for the loop to end."""
        self._closing.set()
        self._server.close()
        self._thread.join(timeout=5)
