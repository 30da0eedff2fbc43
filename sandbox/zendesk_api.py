"""A local Zendesk Support API, as zenpy calls it and as Zendesk documents its answers: create tickets and find them
by external_id; add a comment to a ticket (PUT with `ticket.comment`) and list its comments."""

from __future__ import annotations

import base64
import itertools
import re
import time
from collections import deque
from typing import Any

from sandbox.server import LocalServer, Request, Response

_TICKET = re.compile(r"^/api/v2/tickets/(\d+)\.json$")
_COMMENTS = re.compile(r"^/api/v2/tickets/(\d+)/comments\.json$")
UPDATES_PER_TICKET = 30  # Zendesk: 30 updates of one ticket by one user in 10 minutes, then 429 with Retry-After
UPDATE_WINDOW_SECONDS = 600
MAX_COMMENTS = 5000  # Zendesk: a ticket holds 5000 comments; one more is a 422
NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}


class LocalZendesk(LocalServer):
    """POST /api/v2/tickets.json and GET /api/v2/tickets.json?external_id=…, PUT /api/v2/tickets/{id}.json and GET
    /api/v2/tickets/{id}/comments.json, with API-token basic auth. `comments` holds each ticket's comments, its
    first one the description."""

    def __init__(self, email: str = "care@squeaky.example", token: str = "zendesk-local-token") -> None:
        super().__init__()
        self.email = email
        self.token = token
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self._updates: dict[int, deque[float]] = {}
        self._ids = itertools.count(1001)
        self._comment_ids = itertools.count(50001)

    def route_of(self, request: Request) -> str:
        """Failures are queued per method."""
        return request.method

    def handle(self, request: Request) -> Response:
        """Check the token, then answer."""
        expected = base64.b64encode(f"{self.email}/token:{self.token}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return Response(401, {"error": "Couldn't authenticate you"})
        if request.path == "/api/v2/tickets.json":
            return self._find(request) if request.method == "GET" else self._create(request)
        one = _TICKET.match(request.path)
        if one and request.method == "PUT":
            return self._update(int(one.group(1)), request)
        listed = _COMMENTS.match(request.path)
        if listed and request.method == "GET":
            found = self.comments.get(int(listed.group(1)))
            if found is None:
                return Response(404, NOT_FOUND)
            return Response(200, _page(request, "comments", list(found)))
        return Response(404, {"error": "InvalidEndpoint"})

    def _find(self, request: Request) -> Response:
        wanted = request.query.get("external_id")
        found = [t for t in self.tickets.values() if wanted is None or t.get("external_id") == wanted]
        return Response(200, _page(request, "tickets", found))

    def _create(self, request: Request) -> Response:
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
            self.comments[ticket_id] = [self._comment(ticket["comment"])]
        return Response(201, {"ticket": stored, "audit": {"id": ticket_id * 10, "ticket_id": ticket_id, "events": []}})

    def _update(self, ticket_id: int, request: Request) -> Response:
        """A ticket's update, as Zendesk answers it: 404 for no such ticket, 422 for a closed one, an empty comment
        or a ticket full of comments, 429 past the per-ticket limit."""
        body = request.json()
        ticket = (body or {}).get("ticket") if isinstance(body, dict) else None
        with self.lock:
            stored = self.tickets.get(ticket_id)
            if stored is None:
                return Response(404, NOT_FOUND)
            now = time.monotonic()
            recent = self._updates.setdefault(ticket_id, deque())
            while recent and now - recent[0] >= UPDATE_WINDOW_SECONDS:
                recent.popleft()
            if len(recent) >= UPDATES_PER_TICKET:
                wait = str(int(UPDATE_WINDOW_SECONDS - (now - recent[0])) + 1)
                return Response(429, {"error": "TooManyRequests"}, headers={"Retry-After": wait})
            if stored["status"] == "closed":
                return _invalid("status", "Status: closed prevents ticket update")
            comment = ticket.get("comment") if isinstance(ticket, dict) else None
            if not isinstance(comment, dict) or not str(comment.get("body") or "").strip():
                return _invalid("base", "Comment: cannot be blank")
            if len(self.comments[ticket_id]) >= MAX_COMMENTS:
                return _invalid("base", f"Comments: a ticket holds at most {MAX_COMMENTS}")
            recent.append(now)
            added = self._comment(comment)
            self.comments[ticket_id].append(added)
            stored["status"] = "open" if stored["status"] == "new" else stored["status"]
        event = {"id": added["id"], "type": "Comment", "body": added["body"], "public": added["public"]}
        audit = {"id": added["id"] * 10, "ticket_id": ticket_id, "events": [event]}
        return Response(200, {"ticket": stored, "audit": audit})

    def _comment(self, given: dict[str, Any]) -> dict[str, Any]:
        """A comment as Zendesk keeps it (private unless said public)."""
        body = str(given.get("body") or "")
        return {"id": next(self._comment_ids), "type": "Comment", "body": body, "plain_body": body,
                "public": bool(given.get("public", True)), "attachments": []}  # fmt: skip


def _invalid(field: str, description: str) -> Response:
    """Zendesk's 422: the record is invalid, and why."""
    details = {field: [{"description": description}]}
    return Response(422, {"error": "RecordInvalid", "description": "Record validation errors", "details": details})


def _page(request: Request, name: str, found: list[dict[str, Any]]) -> dict[str, Any]:
    """A list as Zendesk pages it: by cursor when asked (as zenpy does), else by offset."""
    body: dict[str, Any] = {name: found}
    if "page[size]" in request.query:
        body.update(
            meta={"has_more": False, "after_cursor": None, "before_cursor": None}, links={"next": None, "prev": None}
        )
    else:
        body.update(count=len(found), next_page=None, previous_page=None)
    return body
