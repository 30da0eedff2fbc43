"""The small WSGI vocabulary the web process and each chat tool's routes share: a route, a body, a JSON answer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

Route: TypeAlias = "Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]"  # one path's WSGI app


def read_body(environ: WSGIEnvironment, most: int) -> bytes:
    """The request's body, at most `most` bytes of it (a longer one is cut: compare its length to refuse it)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(min(length, most)) if length > 0 else b""


def json_answer(
    start_response: StartResponse, status: str, body: object, headers: dict[str, str] | None = None
) -> Iterable[bytes]:
    """Answer with `body` as JSON."""
    data = json.dumps(body).encode()
    extra = list((headers or {}).items())
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *extra])
    return [data]
