"""A card button's invoke (`adaptiveCard/action`) answered on the web thread that received it: its token checked by
the Teams SDK's own validator, its tenant by the gate, then the click decided right there and answered with the card
exactly as the SDK's handler would answer it (bot.teams.app holds the same handler for the SDK's route).

The SDK's route would run the same checks on its loop, then build a context for the activity
(API clients, a stream, tracing), validate the activity twice more and hand the synchronous
core to a thread of its loop and back: a few milliseconds and four thread hops per click,
which a burst of 50 clicks on two cores queues behind one another. A button answers only its clicker,
so it needs none of that. Every other activity (messages, dialogs, installs) still goes
through the SDK's app.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from microsoft_teams.api.activities.invoke.adaptive_card.action import AdaptiveCardInvokeActivity
from microsoft_teams.api.models.adaptive_card.adaptive_card_action_response import AdaptiveCardActionCardResponse
from microsoft_teams.api.models.invoke_response import InvokeResponse
from microsoft_teams.apps.auth.token_validator import InboundActivityTokenValidator

from bot.teams import clicks
from bot.teams.face import teams_of
from bot.teams.tenancy import FORBIDDEN, TenantGate
from bot.wiring import Services

log = logging.getLogger(__name__)
UNAUTHORIZED = {"error": "Unauthorized"}  # as the SDK answers a token it refuses


class CardActions:
    """Answers card buttons' invokes: (status, body) as the SDK's route would."""

    def __init__(self, services: Services, gate: TenantGate, answer_seconds: float) -> None:
        teams = teams_of(services)
        self._services = services
        self._loop = teams.loop
        self._validator = InboundActivityTokenValidator(teams.app_id, cloud=teams.cloud)  # as the SDK's server builds
        self._gate = gate
        self._seconds = answer_seconds
        # clicks decided at once: as many as the process keeps database connections for; more would only open and
        # close connections beyond the pool's for each burst of clicks, which costs the database more than waiting
        self._deciding = threading.BoundedSemaphore(max(1, services.settings.db_pool_size))

    def answer(self, activity: AdaptiveCardInvokeActivity, sent: dict[str, Any], authorization: str) -> tuple[int, Any]:
        """The answer to one button's invoke (`sent`: the activity as Teams sent it; TimeoutError when the token
        could not be checked in time)."""
        token = authorization.removeprefix("Bearer ")
        try:
            self._check(token, sent.get("serviceUrl"))
        except TimeoutError:
            raise
        except Exception as exc:
            log.warning("JWT token validation failed: %s", exc)
            return 401, UNAUTHORIZED
        if self._gate.why_refused(sent) is not None:
            return 403, FORBIDDEN
        action = activity.value.action
        try:
            with self._deciding:
                card = clicks.click(self._services, activity.from_, str(action.verb or ""), action.data)
        except Exception:
            log.exception("a Teams card action failed")
            return 500, {"error": "Internal server error"}  # as the SDK's route answers a handler's failure
        answered = InvokeResponse[Any](status=200, body=AdaptiveCardActionCardResponse(value=card))
        return 200, answered.model_dump(exclude_none=True)["body"]  # what the SDK's route writes back

    def _check(self, token: str, service_url: object) -> None:
        """The SDK's token check, raising what it raises. It never waits on anything (the signing keys are fetched
        synchronously, then cached), so it runs to its end on this thread, with no hop to the loop and back; should
        a later SDK make it wait, it is run again on the loop."""
        url = service_url if isinstance(service_url, str) else None
        check = self._validator.validate_token(token, url)
        try:
            check.send(None)
        except StopIteration:
            return  # valid
        check.close()
        self._loop.run(self._validator.validate_token(token, url), self._seconds)
