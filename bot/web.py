"""The web process: each chat tool's routes (bot.chat_tools), the HTTP intake, built-in tickets' pages, signed
charts and exports and a health check, as one WSGI app."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from sqlalchemy import text

from bot.chart_links import CHART_PATH, EXPORT_PATH, signed_period
from bot.charts import period_chart
from bot.chat_tools import Connection, enabled_tools
from bot.intake_http import MAX_BODY, IntakeLimits, handle_intake
from bot.safekeeping import arrivals_keeper
from bot.suggestions import warm as warm_suggestions
from bot.tickets.links import LINK_PATH, link_opens
from bot.tickets.page import ticket_page
from bot.wiring import Services
from bot.wsgi import Route, json_answer, read_body
from handlers.domain.stats import Period
from handlers.team.export import ExportAsked
from storage.sql.engine import describe_pool

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

INTAKE_PATH = "/intake"


class WebApp:
    """Routes each chat tool's paths to its own route, /intake to the HTTP intake, /tickets/N to a signed ticket page
    and /charts/stats.png to a signed chart, answers /healthz; anything else is a JSON 404."""

    def __init__(
        self,
        services: Services,
        routes: Mapping[str, Route] | None = None,
        connections: tuple[Connection, ...] = (),
        descriptions: tuple[str, ...] = (),
    ) -> None:
        self._services = services
        self._routes = dict(routes or {})
        self.connections = connections  # what the chat tools keep open themselves (opened once the routes serve)
        self.descriptions = descriptions  # where each chat tool reaches this process, for the log
        self._intake_limits = IntakeLimits(services.limiter, services.settings.intake_requests_per_minute)

    @property
    def paths(self) -> tuple[str, ...]:
        """The chat tools' paths served here."""
        return tuple(self._routes)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        path = environ.get("PATH_INFO", "")
        route = self._routes.get(path)
        if route is not None:
            return route(environ, start_response)
        if path == CHART_PATH:
            return self._chart(environ, start_response)
        if path == EXPORT_PATH:
            return self._export(environ, start_response)
        if path == "/healthz":
            return self._health(start_response)
        if path == INTAKE_PATH:
            return self._intake(environ, start_response)
        if path.startswith(LINK_PATH):
            return self._ticket(path, environ, start_response)
        return _json(start_response, "404 Not Found", {"error": f"no such path: {path[:100]}"})

    def _chart(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """A stats chart, for a link signed within the last day (a card may load it as its image)."""
        signed = self._signed(CHART_PATH, environ)
        if signed is None:
            return _json(start_response, "403 Forbidden", {"error": "this chart link is not valid or has expired"})
        period, queue = signed
        png = period_chart(self._services.uow_factory, period, period.timezone, queue)
        headers = [("Content-Type", "image/png"), ("Content-Length", str(len(png))), ("Cache-Control", "max-age=300")]
        start_response("200 OK", headers)
        return [png]

    def _export(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """A cases export, for a link signed within the last hour (an answer card may offer it)."""
        signed = self._signed(EXPORT_PATH, environ)
        if signed is None:
            return _json(start_response, "403 Forbidden", {"error": "this export link is not valid or has expired"})
        asked = ExportAsked(*signed)
        body, _ = self._services.lead_desk.export_file(asked)
        headers = [
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Content-Disposition", f'attachment; filename="{asked.filename}"'),
            ("Cache-Control", "no-store"),
        ]
        start_response("200 OK", headers)
        return [body]

    def _signed(self, path: str, environ: WSGIEnvironment) -> tuple[Period, str | None] | None:
        """The period and queue a signed link names; None when it is forged or stale."""
        secret = self._services.settings.link_secret
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        return signed_period(secret.get_secret_value(), path, query, self._services.clock.now()) if secret else None

    def _intake(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _json(start_response, "405 Method Not Allowed", {"error": "POST posts to /intake"})
        body = read_body(environ, MAX_BODY + 1)
        token = self._services.settings.intake_token
        answer = handle_intake(
            token.get_secret_value() if token else None,
            environ.get("HTTP_AUTHORIZATION", ""),
            environ.get("CONTENT_TYPE", ""),
            body,
            self._services.queue,
            self._intake_limits,
            arrivals_keeper(self._services),
        )
        return _json(start_response, f"{answer.status} {HTTPStatus(answer.status).phrase}", answer.body, answer.headers)

    def _ticket(self, path: str, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """A built-in ticket's page, for a link signed a few minutes ago; anything else sees nothing of it."""
        store, secret = self._services.builtin_tickets, self._services.settings.link_secret
        if store is None or secret is None:
            return _json(start_response, "404 Not Found", {"error": "tickets are not kept in Squeaky here"})
        query = parse_qs(environ.get("QUERY_STRING", ""))
        expires, signature = query.get("expires", [""])[0], query.get("sig", [""])[0]
        ticket_id = path.removeprefix(LINK_PATH)
        now = self._services.clock.now()
        if not ticket_id.isdigit() or not link_opens(
            secret.get_secret_value(), int(ticket_id), expires, signature, now
        ):
            return _html(start_response, "403 Forbidden", _REFUSED)
        ticket = store.get(int(ticket_id))
        if ticket is None:
            return _json(start_response, "404 Not Found", {"error": f"no ticket {ticket_id}"})
        with self._services.uow_factory() as uow:
            complaint = uow.complaints.get(ticket.complaint_id)
            trail = uow.audit.for_complaint(ticket.complaint_id)
        page = ticket_page(ticket, complaint, trail, datetime.fromtimestamp(int(expires), UTC))
        return _html(start_response, "200 OK", page)

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            with self._services.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            return _json(start_response, "503 Service Unavailable", {"ok": False, "database": exc.__class__.__name__})
        return _json(start_response, "200 OK", {"ok": True})


def _json(
    start_response: StartResponse, status: str, body: dict[str, object], headers: dict[str, str] | None = None
) -> Iterable[bytes]:
    return json_answer(start_response, status, body, headers)


_REFUSED = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Link not valid</title><p>This ticket link is not valid "
    "or has expired. Click <b>Open ticket</b> on the card for a new one.</p></html>"
)


def _html(start_response: StartResponse, status: str, page: str) -> Iterable[bytes]:
    data = page.encode()
    start_response(
        status,
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Robots-Tag", "noindex"),
            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
        ],
    )
    return [data]


def create_wsgi_app() -> WebApp:
    """Factory for gunicorn (`bot.web:create_wsgi_app()`): reads the settings and wires one web worker."""
    from bot.bootstrap import build_services
    from bot.config import load_settings
    from bot.logs import setup_logging

    settings = load_settings()
    setup_logging(settings.secret_values(), logging.getLevelName(settings.log_level))
    services = build_services(settings)
    log.info(describe_pool(services.engine))
    return web_app(services)


def web_app(services: Services) -> WebApp:
    """The web app with the routes (and connections) of each chat tool that is on."""
    routes: dict[str, Route] = {}
    connections: list[Connection] = []
    descriptions = []
    for tool in enabled_tools(services.settings):
        parts = tool.web(services)
        routes.update(parts.routes)
        connections += [parts.connection] if parts.connection is not None else []
        descriptions.append(tool.describe(services.settings))
    warm_suggestions(services.agent_desk.suggester)  # the reply forms open here
    return WebApp(services, routes, tuple(connections), tuple(descriptions))
