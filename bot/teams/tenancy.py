"""Only the care team's own tenant gets in: every activity, once Teams' token has been checked, is refused before
anything runs (no handler, no call to Teams) unless it names TEAMS_TENANT_ID and a Bot Connector address that
TEAMS_ALLOWED_SERVICE_URLS lists.

A Teams bot is reachable from any tenant that installs it, and the token proves only that Teams
sent the activity: the tenant in the activity says whose it is. Invokes get an error answer
that names nothing of ours; other activities (messages, installs) get an empty 200 and no reply.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from microsoft_teams.api.models.invoke_response import InvokeResponse

from bot.refusals import RefusalLog
from bot.teams.settings import origin_of

log = logging.getLogger(__name__)
OnRequest = Callable[[Any], Awaitable[InvokeResponse[Any]]]
FORBIDDEN = {
    "statusCode": 403,
    "type": "application/vnd.microsoft.error",
    "value": {"code": "Forbidden", "message": "This app is not available to your organization."},
}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def tenants_of(activity: dict[str, Any]) -> list[str]:
    """The tenant ids an activity names (conversation.tenantId, channelData.tenant.id), as sent."""
    conversation = activity.get("conversation")
    data = activity.get("channelData")
    tenant = data.get("tenant") if isinstance(data, dict) else None
    named = [
        conversation.get("tenantId") if isinstance(conversation, dict) else None,
        tenant.get("id") if isinstance(tenant, dict) else None,
    ]
    return [t for t in map(_text, named) if t is not None]


class TenantGate:
    """Decides, for one activity as Teams sent it, whether it is ours."""

    def __init__(self, tenant_id: str, service_urls: list[str]) -> None:
        self._tenant = tenant_id.strip().lower()
        self._origins = {origin for origin in map(origin_of, service_urls) if origin}
        self._refusals = RefusalLog(log)

    def why_refused(self, activity: dict[str, Any]) -> str | None:
        """Why this activity is refused (and logged, rate-limited), or None when it is ours."""
        tenants = tenants_of(activity)
        if not tenants:
            self._refusals.refused("a Teams activity naming no tenant", activity.get("type"))
            return "no tenant"
        foreign = next((t for t in tenants if t.strip().lower() != self._tenant), None)
        if foreign is not None:
            self._refusals.refused("a Teams activity from another tenant", foreign)
            return "another tenant"
        service_url = _text(activity.get("serviceUrl")) or ""
        if origin_of(service_url) not in self._origins:
            self._refusals.refused("a Teams activity naming an unknown serviceUrl", origin_of(service_url) or "?")
            return "unknown serviceUrl"
        return None

    def guard(self, inner: OnRequest) -> OnRequest:
        """`inner` (the SDK's activity pipeline, called once the token is checked) behind this gate."""

        async def gated(event: Any) -> InvokeResponse[Any]:
            activity = event.body.model_dump(by_alias=True, exclude_none=True)
            if self.why_refused(activity) is None:
                return await inner(event)
            if activity.get("type") == "invoke":
                return InvokeResponse(status=403, body=FORBIDDEN)
            return InvokeResponse(status=200)

        return gated
