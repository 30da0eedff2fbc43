"""The web process: Bolt over HTTP at /slack/events, plus a health check, as one WSGI app."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.wiring import Services

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

SLACK_PATH = "/slack/events"


class WebApp:
    """Routes /slack/events to Bolt and answers /healthz; everything else is a 404 with a JSON reason."""

    def __init__(self, bolt_app: App, services: Services) -> None:
        self._slack = SlackRequestHandler(bolt_app, path=SLACK_PATH)
        self._services = services

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        path = environ.get("PATH_INFO", "")
        if path == SLACK_PATH:
            return self._slack(environ, start_response)
        if path == "/healthz":
            return self._health(start_response)
        return _json(start_response, "404 Not Found", {"error": f"no such path: {path[:100]}"})

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            with self._services.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            return _json(start_response, "503 Service Unavailable", {"ok": False, "database": exc.__class__.__name__})
        return _json(start_response, "200 OK", {"ok": True})


def _json(start_response: StartResponse, status: str, body: dict[str, object]) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def create_wsgi_app() -> WebApp:
    """Factory for gunicorn (`bot.web:create_wsgi_app()`): reads the settings and wires one web worker."""
    from bot.bootstrap import build_bolt_app, build_services
    from bot.config import load_settings
    from bot.logs import setup_logging

    settings = load_settings()
    setup_logging(settings.secret_values())
    services = build_services(settings)
    return WebApp(build_bolt_app(services), services)
