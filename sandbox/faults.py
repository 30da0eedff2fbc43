"""Fault switches for the drills: each outside service failing for a while, answering as it documents it does.

- Slack: HTTP 429 `{"ok": false, "error": "ratelimited"}` with Retry-After in whole seconds; an outage answers
  5xx (503 `service_unavailable`).
- Teams (the Bot Connector): HTTP 429 with Retry-After; an outage answers 502/503.
- X API v2: HTTP 503 `Service Unavailable` (a problem document); a rate limit answers 429 with no Retry-After, only
  `x-rate-limit-limit`, `x-rate-limit-remaining: 0` and `x-rate-limit-reset` (epoch seconds).
- A ticketing system (Zendesk): HTTP 503 while it is down.

Each switch lasts `seconds` from now and ends by itself (`LocalServer.clear_outages` ends it at once).
"""

from __future__ import annotations

import time

from sandbox.server import LocalServer

SLACK_RATE_LIMITED = {"ok": False, "error": "ratelimited"}
SLACK_UNAVAILABLE = {"ok": False, "error": "service_unavailable"}
TEAMS_RATE_LIMITED = {"error": {"code": "TooManyRequests", "message": "Too many requests"}}
TEAMS_UNAVAILABLE = {"error": {"code": "ServiceUnavailable", "message": "The service is unavailable"}}
X_UNAVAILABLE = {"title": "Service Unavailable", "detail": "Service Unavailable", "type": "about:blank", "status": 503}
X_RATE_LIMITED = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
TICKETS_UNAVAILABLE = {"error": "ServiceUnavailable", "description": "Maintenance: try again later"}


def slack_rate_limited(slack: LocalServer, seconds: float, retry_after: int = 5) -> None:
    """Every Web API call answers 429 with Retry-After for `seconds`."""
    slack.fail_for(seconds, 429, SLACK_RATE_LIMITED, {"Retry-After": str(retry_after)})


def slack_failing(slack: LocalServer, seconds: float, status: int = 503) -> None:
    """Every Web API call answers a 5xx for `seconds`."""
    slack.fail_for(seconds, status, SLACK_UNAVAILABLE)


TEAMS_CONNECTOR = ("POST activities", "PUT activity", "/v3/conversations", "GET members")  # not the login


def teams_rate_limited(connector: LocalServer, seconds: float, retry_after: int = 5) -> None:
    """Every Bot Connector call answers 429 with Retry-After for `seconds` (signing in and its keys still work)."""
    for route in TEAMS_CONNECTOR:
        connector.fail_for(seconds, 429, TEAMS_RATE_LIMITED, {"Retry-After": str(retry_after)}, route=route)


def teams_failing(connector: LocalServer, seconds: float, status: int = 503) -> None:
    """Every Bot Connector call answers a 5xx for `seconds` (signing in and its keys still work)."""
    for route in TEAMS_CONNECTOR:
        connector.fail_for(seconds, status, TEAMS_UNAVAILABLE, route=route)


def x_unavailable(x: LocalServer, seconds: float, routes: tuple[str, ...] = ("mentions", "search", "post")) -> None:
    """Polls and replies answer 503 for `seconds`."""
    for route in routes:
        x.fail_for(seconds, 503, X_UNAVAILABLE, route=route)


def x_rate_limited(x: LocalServer, seconds: float, route: str = "mentions", limit: int = 450) -> None:
    """`route` answers 429 for `seconds`, saying when its window resets (x-rate-limit-reset), never Retry-After."""
    reset = str(int(time.time() + seconds))
    headers = {"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}
    x.fail_for(seconds, 429, X_RATE_LIMITED, headers, route=route)


def tickets_down(tickets: LocalServer, seconds: float) -> None:
    """The ticketing system answers 503 to everything for `seconds`."""
    tickets.fail_for(seconds, 503, TICKETS_UNAVAILABLE)
