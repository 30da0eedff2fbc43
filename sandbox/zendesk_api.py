"""A local Zendesk Support API: create tickets and find them by external_id, as zenpy calls them."""

from __future__ import annotations

import base64
import itertools
from typing import Any

from sandbox.server import LocalServer, Request, Response


class LocalZendesk(LocalServer):
    """POST /api/v2/tickets.json and GET /api/v2/tickets.json?external_id=…, with API-token basic auth."""

    def __init__(self, email: str = "care@squeaky.example", token: str = "zendesk-local-token") -> None:
        super().__init__()
        self.email = email
        self.token = token
        self.tickets: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(1001)

    def route_of(self, request: Request) -> str:
        """Failures are queued per method."""
        return request.method

    def handle(self, request: Request) -> Response:
        """Check the token, then answer."""
        expected = base64.b64encode(f"{self.email}/token:{self.token}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return Response(401, {"error": "Couldn't authenticate you"})
        if request.path != "/api/v2/tickets.json":
            return Response(404, {"error": "InvalidEndpoint"})
        if request.method == "GET":
            wanted = request.query.get("external_id")
            found = [t for t in self.tickets.values() if wanted is None or t.get("external_id") == wanted]
            body: dict[str, Any] = {"tickets": found}
            if "page[size]" in request.query:  # cursor pagination, as zenpy asks for it
                body.update(
                    meta={"has_more": False, "after_cursor": None, "before_cursor": None},
                    links={"next": None, "prev": None},
                )
            else:
                body.update(count=len(found), next_page=None, previous_page=None)
            return Response(200, body)
        body = request.json()
        ticket = (body or {}).get("ticket") if isinstance(body, dict) else None
        if not isinstance(ticket, dict) or not ticket.get("subject") or not (ticket.get("comment") or {}).get("body"):
            return Response(422, {"error": "RecordInvalid", "description": "Record validation errors"})
        with self.lock:
            ticket_id = next(self._ids)
            stored = {
                "id": ticket_id,
                "url": f"https://squeaky.zendesk.com/api/v2/tickets/{ticket_id}.json",
                "subject": ticket["subject"],
                "description": ticket["comment"]["body"],
                "priority": ticket.get("priority"),
                "status": "new",
                "external_id": ticket.get("external_id"),
                "tags": ticket.get("tags", []),
            }
            self.tickets[ticket_id] = stored
        return Response(201, {"ticket": stored, "audit": {"id": ticket_id * 10, "ticket_id": ticket_id, "events": []}})
