"""The web process: Bolt over HTTP at /slack/events, the HTTP intake, built-in tickets' pages and a health check,
as one WSGI app."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.chart_links import CHART_PATH, EXPORT_PATH, signed_period
from bot.charts import period_chart
from bot.intake_http import MAX_BODY, IntakeLimits, handle_intake
from bot.safekeeping import arrivals_keeper
from bot.slack.guard import check_request
from bot.tickets.links import LINK_PATH, link_opens
from bot.tickets.page import ticket_page
from bot.wiring import Services
from handlers.domain.stats import Period
from handlers.team.export import ExportAsked
from storage.sql.engine import describe_pool

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    from bot.teams.endpoint import TeamsEndpoint  # imported when Teams is on: the Teams SDK takes a second to load

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
TEAMS_PATH = "/api/messages"
INTAKE_PATH = "/intake"
MAX_SLACK_BODY = 1_000_000  # Slack's payloads, even a modal's with its whole state, are a few hundred KB at most


class WebApp:
    """Routes /slack/events to Bolt, /api/messages to the Teams SDK app, /intake to the HTTP intake, /tickets/N to a
    signed ticket page and /charts/stats.png to a signed chart, answers /healthz; anything else is a JSON 404."""

    def __init__(
        self,
        bolt_app: App | None,
        services: Services,
        *,
        slack_over_http: bool = True,
        teams: TeamsEndpoint | None = None,
    ) -> None:
        self.bolt = bolt_app
        self._slack = SlackRequestHandler(bolt_app, path=SLACK_PATH) if bolt_app is not None else None
        self._services = services
        self._slack_over_http = slack_over_http  # False under Socket Mode: Slack does not come here
        self._teams = teams
        self._intake_limits = IntakeLimits(services.limiter, services.settings.intake_requests_per_minute)

    @property
    def slack_on(self) -> bool:
        """Whether Slack is served here."""
        return self._slack is not None

    @property
    def teams_on(self) -> bool:
        """Whether Teams is served here."""
        return self._teams is not None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        path = environ.get("PATH_INFO", "")
        if path == SLACK_PATH:
            if self._slack is None:
                return _json(start_response, "404 Not Found", {"error": "Slack is not configured here"})
            if not self._slack_over_http:
                return _json(start_response, "404 Not Found", {"error": "Slack reaches Squeaky over Socket Mode here"})
            return self._slack_events(environ, start_response)
        if path == TEAMS_PATH:
            return self._teams_activity(environ, start_response)
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

    def _slack_events(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Hand the request to Bolt, unless it is signed but malformed in a way Bolt would answer with a 500."""
        secret = self._services.settings.slack_signing_secret
        body = _body(environ, MAX_SLACK_BODY + 1)
        if len(body) > MAX_SLACK_BODY:
            log.warning("refused a Slack request of over %d KB", MAX_SLACK_BODY // 1000)
            return _json(
                start_response, "413 Request Entity Too Large", {"error": f"at most {MAX_SLACK_BODY // 1000} KB"}
            )
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {
            "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE", ""),
            "x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            "content-type": environ.get("CONTENT_TYPE", ""),
        }
        wrong = check_request(body, headers, secret.get_secret_value()) if secret else None
        if wrong is not None:
            log.warning("refused a malformed Slack payload: %s", wrong)
            return _json(start_response, "400 Bad Request", {"error": f"malformed payload: {wrong}"})
        assert self._slack is not None
        return self._slack(environ, start_response)

    def _teams_activity(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self._teams is None:
            return _json(start_response, "404 Not Found", {"error": "Teams is not configured here"})
        body = _body(environ, self._teams.max_body + 1)
        headers = {
            "authorization": environ.get("HTTP_AUTHORIZATION", ""),
            "content-type": environ.get("CONTENT_TYPE", ""),
        }
        answer = self._teams.handle(environ.get("REQUEST_METHOD", ""), headers, body)
        status = f"{answer.status} {HTTPStatus(answer.status).phrase}"
        if answer.body is None:
            start_response(status, [("Content-Length", "0")])
            return [b""]
        return _json(start_response, status, answer.body)

    def _chart(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """A stats chart, for a link signed within the last day (a Teams card loads it as its image)."""
        signed = self._signed(CHART_PATH, environ)
        if signed is None:
            return _json(start_response, "403 Forbidden", {"error": "this chart link is not valid or has expired"})
        period, queue = signed
        png = period_chart(self._services.uow_factory, period, period.timezone, queue)
        headers = [("Content-Type", "image/png"), ("Content-Length", str(len(png))), ("Cache-Control", "max-age=300")]
        start_response("200 OK", headers)
        return [png]

    def _export(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """A cases export, for a link signed within the last hour (a Teams answer card offers it)."""
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
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(min(length, MAX_BODY + 1)) if length > 0 else b""
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


def _body(environ: WSGIEnvironment, most: int) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(min(length, most)) if length > 0 else b""


def _json(
    start_response: StartResponse, status: str, body: dict[str, object], headers: dict[str, str] | None = None
) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    extra = list((headers or {}).items())
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *extra])
    return [data]


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


def web_app(services: Services, *, slack_over_http: bool = True) -> WebApp:
    """The web app for the chat tools that are on: Bolt for Slack, the Teams SDK app for Teams."""
    from bot.bootstrap import build_bolt_app

    bolt = build_bolt_app(services) if "slack" in services.faces else None
    teams = None
    if services.teams is not None:
        from bot.teams.endpoint import TeamsEndpoint

        teams = TeamsEndpoint(services)
    return WebApp(bolt, services, slack_over_http=slack_over_http, teams=teams)
