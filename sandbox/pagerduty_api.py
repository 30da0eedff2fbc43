"""A local PagerDuty Events API v2: POST /v2/enqueue with trigger, acknowledge and resolve, incidents by dedup key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.server import LocalServer, Request, Response

_ACTIONS = ("trigger", "acknowledge", "resolve")
_SEVERITIES = ("critical", "error", "warning", "info")


@dataclass
class Incident:
    """One alert as PagerDuty keeps it: its status and every event that touched it."""

    dedup_key: str
    summary: str
    status: str = "triggered"
    events: list[dict[str, Any]] = field(default_factory=list)


class LocalPagerDuty(LocalServer):
    """Checks events the way the Events API documents (202 accepted, 400 invalid) and keeps incidents."""

    def __init__(self, routing_key: str = "R0UTINGKEY0123456789012345678901") -> None:
        super().__init__()
        self.routing_key = routing_key
        self.incidents: dict[str, Incident] = {}

    def handle(self, request: Request) -> Response:
        """Answer POST /v2/enqueue."""
        if request.method != "POST" or request.path != "/v2/enqueue":
            return Response(404, {"status": "invalid", "message": "Not found"})
        body = request.json()
        problem = self._invalid(body)
        if problem:
            return Response(400, {"status": "invalid event", "message": "Event object is invalid", "errors": [problem]})
        key, action = str(body["dedup_key"]), str(body["event_action"])
        with self.lock:
            incident = self.incidents.get(key)
            if action == "trigger":
                if incident is None or incident.status == "resolved":
                    incident = self.incidents[key] = Incident(key, str(body["payload"]["summary"]))
            elif incident is not None and incident.status != "resolved":
                incident.status = "acknowledged" if action == "acknowledge" else "resolved"
            if incident is not None:
                incident.events.append(body)
        return Response(202, {"status": "success", "message": "Event processed", "dedup_key": key})

    def _invalid(self, body: Any) -> str | None:
        if not isinstance(body, dict):
            return "the body is not a JSON object"
        if body.get("routing_key") != self.routing_key:
            return "'routing_key' is invalid"
        if body.get("event_action") not in _ACTIONS:
            return "'event_action' must be trigger, acknowledge or resolve"
        if not body.get("dedup_key") and body.get("event_action") != "trigger":
            return "'dedup_key' is required to acknowledge or resolve"
        if body["event_action"] == "trigger":
            payload = body.get("payload") or {}
            if not payload.get("summary") or not payload.get("source") or payload.get("severity") not in _SEVERITIES:
                return "'payload' needs summary, source and a valid severity"
            if len(str(payload["summary"])) > 1024:
                return "'payload.summary' is longer than 1024 characters"
        return None
