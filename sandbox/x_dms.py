"""The local X's direct messages (API v2): sending to a participant, and reading DM events, shaped on X's answers.

A one-to-one conversation's id is its two user ids joined by a dash, smaller first; sending answers 201 with the
conversation and the new event's id; events list newest first, with a `next_token` while more remain. A customer
whose DM setting does not let the brand in is refused as X refuses: a 403 problem naming it, nothing sent. Text
over 10,000 characters is refused with a 400.
"""

from __future__ import annotations

import base64
import itertools
import re
from datetime import UTC, datetime
from typing import Any

from sandbox.server import Request, Response

MAX_DM_CHARACTERS = 10_000
NOT_PERMITTED = "You are not permitted to send Direct Messages to this user."
_WITH = re.compile(r"/2/dm_conversations/with/(\d+)/(messages|dm_events)")


def conversation_of(one: str, other: str) -> str:
    """A one-to-one conversation's id, as X makes it."""
    return "-".join(sorted((one, other), key=int))


class XDirectMessages:
    """The brand's direct messages: what it sent (`sent`), every event of its conversations, and who keeps their DMs
    closed to it (`closed`: user ids)."""

    def __init__(self, brand_id: str) -> None:
        self.brand_id = brand_id
        self.events: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.closed: set[str] = set()
        self._ids = itertools.count(1_900_000_000_000_000_000)

    def add_event(self, sender_id: str, other_id: str, text: str) -> dict[str, Any]:
        """A MessageCreate event from `sender_id` in the one-to-one conversation with `other_id`."""
        event = {
            "id": str(next(self._ids)),
            "event_type": "MessageCreate",
            "text": text,
            "sender_id": sender_id,
            "dm_conversation_id": conversation_of(sender_id, other_id),
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        self.events.append(event)
        return event

    def answer(self, request: Request, users: dict[str, dict[str, Any]]) -> Response:
        """One DM request (the caller has checked user context and counted it); `users` by id."""
        match = _WITH.fullmatch(request.path)
        if request.method == "POST":
            if match is None or match.group(2) != "messages":
                return problem(404, "Not Found Error", f"no route {request.path}")
            return self._send(match.group(1), request, set(users))
        if request.path == "/2/dm_events":
            return self._page(self.events, request, users)
        if match is None or match.group(2) != "dm_events":
            return problem(404, "Not Found Error", f"no route {request.path}")
        conversation = conversation_of(self.brand_id, match.group(1))
        return self._page([e for e in self.events if e["dm_conversation_id"] == conversation], request, users)

    def _send(self, participant: str, request: Request, known_users: set[str]) -> Response:
        body = request.json()
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return problem(400, "Invalid Request", "One or more parameters to your request was invalid.")
        if len(text) > MAX_DM_CHARACTERS:
            return problem(400, "Invalid Request", "The text of your Direct Message is over the 10,000 limit.")
        if participant not in known_users or participant in self.closed:
            return problem(403, "Forbidden", NOT_PERMITTED)
        event = self.add_event(self.brand_id, participant, text)
        self.sent.append(event)
        return Response(201, {"data": {"dm_conversation_id": event["dm_conversation_id"], "dm_event_id": event["id"]}})

    def _page(self, events: list[dict[str, Any]], request: Request, users: dict[str, dict[str, Any]]) -> Response:
        q = request.query
        raw = q.get("max_results", "100")
        most = int(raw) if raw.isdigit() else 0
        if not 1 <= most <= 100:
            return problem(400, "Invalid Request", "The `max_results` query parameter value is not between 1 and 100")
        token = q.get("pagination_token")
        until = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else None
        ordered = sorted(events, key=lambda e: int(e["id"]), reverse=True)
        chosen = [e for e in ordered if until is None or int(e["id"]) < until]
        page, rest = chosen[:most], chosen[most:]
        fields = set(filter(None, q.get("dm_event.fields", "").split(",")))
        shown = [{k: v for k, v in e.items() if k in {"id", "event_type", "text"} | fields} for e in page]
        meta: dict[str, Any] = {"result_count": len(page)}
        if rest:
            meta["next_token"] = base64.urlsafe_b64encode(page[-1]["id"].encode()).decode()
        if not page:
            return Response(200, {"meta": meta})
        body: dict[str, Any] = {"data": shown, "meta": meta}
        if "sender_id" in set(filter(None, q.get("expansions", "").split(","))):  # the senders, as X includes them
            senders = dict.fromkeys(e["sender_id"] for e in page)
            wanted = {"id", "name", "username"}
            body["includes"] = {"users": [{k: users[s][k] for k in wanted} for s in senders if s in users]}
        return Response(200, body)


def problem(status: int, title: str, detail: str) -> Response:
    """X's problem answer."""
    return Response(status, {"title": title, "detail": detail, "type": "about:blank", "status": status})
