"""/api/messages inside the WSGI web process: the request's body and headers handed to the Teams SDK's own route
handler (which checks the JWT, then the tenant (bot.teams.tenancy), then runs the face's handlers) on the Teams loop,
and its answer written back; a card button's invoke is answered on this thread with the same checks
(bot.teams.card_actions).

Teams and Slack share one public port because Heroku-style platforms route HTTP only to
`web`; gunicorn's threads already serve Slack there, so Teams is one more path, not a second server.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from microsoft_teams.api import ActivityTypeAdapter
from microsoft_teams.api.activities.invoke.adaptive_card.action import AdaptiveCardInvokeActivity
from pydantic import ValidationError

from bot.teams.app import MESSAGES_PATH, build_teams_app
from bot.teams.card_actions import CardActions
from bot.teams.face import teams_of
from bot.teams.tenancy import TenantGate
from bot.untrusted_json import parse
from bot.wiring import Services

log = logging.getLogger(__name__)
MAX_BODY = 512 * 1024  # Teams' activities are small; a card submit is well under this
ANSWER_SECONDS = 15.0  # Teams gives up on an invoke after about 15 s


def _read(activity: dict[str, Any]) -> tuple[Any, str | None]:
    """The activity by the SDK's own activity models, or what in it is not as Teams sends it."""
    try:
        return ActivityTypeAdapter.validate_python(activity), None
    except ValidationError as exc:
        tags = (activity.get("type"), activity.get("name"))
        where = [str(part) for part in exc.errors()[0]["loc"] if part not in tags]
        if not where:
            return None, "its type or name is not one Teams sends"
        return None, f"`{'.'.join(where)[:80]}` is not as Teams sends it"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status and JSON body (None: no body)."""

    status: int
    body: Any = None


class TeamsEndpoint:
    """Serves /api/messages with the Teams SDK app."""

    max_body = MAX_BODY

    def __init__(self, services: Services) -> None:
        self._loop = teams_of(services).loop
        self.app, adapter = build_teams_app(services)
        self._loop.run(self.app.initialize(), 30.0)
        settings = services.settings
        assert settings.teams_tenant_id is not None
        gate = TenantGate(settings.teams_tenant_id, settings.teams_allowed_service_urls)
        pipeline = self.app.server.on_request  # runs once the SDK has checked the token
        assert pipeline is not None
        self.app.server.on_request = gate.guard(pipeline)
        self._route = adapter.routes[MESSAGES_PATH]
        self._buttons = CardActions(services, gate, ANSWER_SECONDS)

    def handle(self, method: str, headers: dict[str, str], body: bytes) -> Answer:
        """Answer one request from Teams (or from anyone pretending to be Teams)."""
        if method != "POST":
            return Answer(405, {"error": "Teams POSTs activities to /api/messages"})
        if not headers.get("authorization", "").startswith("Bearer "):
            return Answer(401, {"error": "Unauthorized"})
        if len(body) > MAX_BODY:
            return Answer(413, {"error": f"an activity is at most {MAX_BODY // 1024} KB"})
        try:
            activity = parse(body)
        except ValueError:
            return Answer(400, {"error": "malformed activity: not JSON"})
        if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
            return Answer(400, {"error": "malformed activity: a JSON object with a type is expected"})
        read, wrong = _read(activity)
        if wrong is not None:  # the SDK would fail on it with a 500
            return Answer(400, {"error": f"malformed activity: {wrong}"})
        try:
            if isinstance(read, AdaptiveCardInvokeActivity):
                return Answer(*self._buttons.answer(read, activity, headers["authorization"]))
            answer = self._loop.run(self._route({"body": activity, "headers": headers}), ANSWER_SECONDS)
        except TimeoutError:
            log.warning("a Teams %s activity took longer than %.0fs", activity["type"][:40], ANSWER_SECONDS)
            return Answer(503, {"error": "Squeaky is busy: try again"})
        return Answer(int(answer["status"]), answer.get("body"))
