"""Microsoft Teams as one chat tool of the registry (bot.chat_tools): its settings, its face, its route, its pace
and its checks. Its clicks are decided within the invoke that carries them (the answer is the decided card), so no
worker decides them. Light at import: the Teams SDK (a second to load) is imported only when Teams is on."""

from __future__ import annotations

import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.chat_tools import BuiltFace, ClickRoute, WebParts
from bot.pacing import LANES
from bot.teams.refs import SURFACE
from bot.teams.settings import TeamsSettings, origin_of
from bot.wsgi import json_answer, read_body
from handlers.domain.people import Identity

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    from bot.config import Settings
    from bot.housekeeping import Job
    from bot.teams.endpoint import TeamsEndpoint
    from bot.wiring import Core, Services

MESSAGES_PATH = "/api/messages"


def require_known_service_url(settings: Settings) -> None:
    """TEAMS_SERVICE_URL, when set, is one of the Bot Connector addresses TEAMS_ALLOWED_SERVICE_URLS lists."""
    from bot.config import SettingsError

    url = settings.teams_service_url
    if url is not None and origin_of(url) not in settings.teams_allowed_service_urls:
        allowed = ", ".join(settings.teams_allowed_service_urls)
        raise SettingsError(
            f"TEAMS_SERVICE_URL is not one of TEAMS_ALLOWED_SERVICE_URLS ({allowed}): Squeaky calls only the Bot "
            "Connector addresses listed there. Set it in the environment or in .env."
        )


class TeamsActivities:
    """Serves /api/messages: the request's body and headers handed to the Teams endpoint, its answer written back."""

    def __init__(self, endpoint: TeamsEndpoint) -> None:
        self._endpoint = endpoint

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        body = read_body(environ, self._endpoint.max_body + 1)
        headers = {
            "authorization": environ.get("HTTP_AUTHORIZATION", ""),
            "content-type": environ.get("CONTENT_TYPE", ""),
        }
        answer = self._endpoint.handle(environ.get("REQUEST_METHOD", ""), headers, body)
        status = f"{answer.status} {HTTPStatus(answer.status).phrase}"
        if answer.body is None:
            start_response(status, [("Content-Length", "0")])
            return [b""]
        return json_answer(start_response, status, answer.body)


class TeamsTool:
    """The Teams face's factory."""

    name = SURFACE
    settings_model = TeamsSettings
    channel_shape = (re.compile(r"^19:\S{1,250}$"), "a Teams conversation id such as 19:…@thread.tacv2")

    def enabled(self, settings: Settings) -> bool:
        """Teams is on when its app id or its password is set."""
        return bool(settings.teams_app_id or settings.teams_app_password)

    def require(self, settings: Settings) -> None:
        """The bot's app id and password, the tenant it serves, and a Bot Connector address it may call."""
        settings.require("teams_app_id", "teams_app_password", why="Teams is on")
        settings.require("teams_tenant_id", why="Teams is on: activities from any other tenant are refused")
        require_known_service_url(settings)

    def require_requests(self, settings: Settings) -> None:
        """Nothing more: its requests are checked against Teams' keys."""

    def build(self, core: Core) -> BuiltFace:
        """The Bot Connector client, the place, the directory and the gateway."""
        from bot.teams.face import build_teams
        from handlers.ports.surfaces import Face

        teams = build_teams(core.settings, core.uow_factory, core.limiter)
        return BuiltFace(Face(cards=teams.gateway, notifier=teams.gateway, directory=teams.directory), teams)

    def web(self, services: Services) -> WebParts:
        """/api/messages, served by the Teams SDK app."""
        from bot.teams.endpoint import TeamsEndpoint

        return WebParts({MESSAGES_PATH: TeamsActivities(TeamsEndpoint(services))})

    def keeps_connection(self, settings: Settings) -> bool:
        """Teams calls us: no connection of its own."""
        return False

    def cards_per_second(self, settings: Settings) -> float:
        """What new cards may take of a conversation's 60 in 30 s (less the reserve kept for claims' updates),
        scaled with TEAMS_OPERATIONS_PER_SECOND."""
        return LANES["teams.conversation"].at_pace(settings.teams_operations_per_second).ordinary_per_second

    def click_route(self, services: Services) -> ClickRoute | None:
        """None: the invoke is answered with the decided card."""
        return None

    def jobs(self, services: Services) -> list[Job]:
        """None of its own."""
        return []

    def fallback_on_call(self, settings: Settings) -> Identity | None:
        """None: ONCALL_USER names a Slack user."""
        return None

    def link_secret(self, settings: Settings) -> SecretStr | None:
        """The bot's client secret."""
        return settings.teams_app_password

    def describe(self, settings: Settings) -> str:
        """/api/messages."""
        return MESSAGES_PATH


TOOL = TeamsTool()
