"""A small threaded HTTP server on 127.0.0.1 with an ephemeral port, shared by the local Slack and X servers."""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

STOP_POLL_SECONDS = 0.05  # how often the serving loop looks whether it is asked to stop (http.server's default: 0.5)


@dataclass
class Request:
    """One request as a route sees it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON (None if it is not)."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


@dataclass
class Response:
    """What a route answers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Failure:
    """A canned failure to answer instead of the real thing, for fault tests."""

    status: int
    body: Any
    headers: dict[str, str]


class _Server(ThreadingHTTPServer):
    """A threaded server whose listen queue holds a burst of new connections, as a real service's does
    (socketserver's default of 5 drops the rest, and their clients retry a second later)."""

    request_queue_size = 128


class LocalServer(ABC):
    """Serves `handle(request)` over HTTP on 127.0.0.1; subclasses implement the API."""

    def __init__(self) -> None:
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._failures: dict[str, deque[Failure]] = {}
        self._outages: list[tuple[str | None, float, Failure]] = []  # (route or every route, until, answer)
        self._slow: dict[str, deque[float]] = {}
        self.lock = threading.RLock()
        self.requests: list[Request] = []  # everything received, failures included

    # -- lifecycle --------------------------------------------------------

    def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1 (an ephemeral port unless given) and return the base URL."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle's algorithm on, a keep-alive client's delayed ACK
            # held every answer back 40 ms, a stall no real service adds.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                response = server.dispatch(request)
                data = response.body if isinstance(response.body, bytes) else json.dumps(response.body).encode()
                self.send_response(response.status)
                headers = {"Content-Type": "application/json; charset=utf-8", **response.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815 - http.server's names

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = _Server(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": STOP_POLL_SECONDS},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:54321."""
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        """Stop serving."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> Any:
        """Wait until `predicate()` is truthy (checked every 0.05 s); return its value or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{type(self).__name__}: condition not met within {timeout}s")
            time.sleep(0.05)

    # -- faults -----------------------------------------------------------

    def fail_next(
        self, route: str, status: int, body: Any, headers: dict[str, str] | None = None, count: int = 1
    ) -> None:
        """Answer the next `count` requests to `route` with this failure instead."""
        with self.lock:
            queue = self._failures.setdefault(route, deque())
            queue.extend(Failure(status, body, headers or {}) for _ in range(count))

    def fail_for(
        self, seconds: float, status: int, body: Any, headers: dict[str, str] | None = None, *, route: str | None = None
    ) -> None:
        """An outage: answer every request (to `route`, or to any route) with this failure for `seconds`."""
        with self.lock:
            self._outages.append((route, time.monotonic() + seconds, Failure(status, body, headers or {})))

    def clear_outages(self) -> None:
        """End every outage now: the outside is back."""
        with self.lock:
            self._outages.clear()

    def in_outage(self) -> bool:
        """Whether an outage (`fail_for`) is under way now."""
        with self.lock:
            now = time.monotonic()
            return any(until > now for _route, until, _failure in self._outages)

    def slow_next(self, route: str, seconds: float, count: int = 1) -> None:
        """Carry out the next `count` requests to `route`, then answer only after `seconds`: a client that times out
        meanwhile cannot know its request took effect."""
        with self.lock:
            self._slow.setdefault(route, deque()).extend([seconds] * count)

    def _take_failure(self, route: str) -> Failure | None:
        with self.lock:
            now = time.monotonic()
            self._outages = [outage for outage in self._outages if outage[1] > now]
            for where, _until, failure in self._outages:
                if where is None or where == route:
                    return failure
            queue = self._failures.get(route)
            return queue.popleft() if queue else None

    def _take_delay(self, route: str) -> float:
        with self.lock:
            queue = self._slow.get(route)
            return queue.popleft() if queue else 0.0

    def dispatch(self, request: Request) -> Response:
        """Answer a canned failure for the route if one is queued, else the real answer."""
        with self.lock:
            self.requests.append(request)
        route = self.route_of(request)
        failure = self._take_failure(route)
        if failure is not None:
            return Response(failure.status, failure.body, failure.headers)
        delay = self._take_delay(route)
        try:
            return self.handle(request)
        except Exception as exc:  # a bug in the stand-in must show up in the test, not hang it
            return Response(500, {"error": f"local server error: {exc!r}"})
        finally:
            if delay:
                time.sleep(delay)

    def route_of(self, request: Request) -> str:
        """The name failures are queued under (subclasses refine it)."""
        return request.path

    @abstractmethod
    def handle(self, request: Request) -> Response:
        """Answer one request."""
