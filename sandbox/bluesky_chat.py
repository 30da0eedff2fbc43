"""The local Bluesky's chat service (chat.bsky.convo), as the PDS proxies it: only a request that names the chat
service in its `atproto-proxy` header reaches it (without, the PDS does not know the method).

A customer's chat setting (`allowIncoming`) decides who may start a conversation with them: "all", "following"
(Bluesky's default: only accounts they follow) or "none"; anyone else is refused with a 400 InvalidRequest saying
so, as the chat service does. Messages are at most 1,000 graphemes; conversations and messages list newest first
by cursor.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from datetime import UTC, datetime
from typing import Any

import regex

from sandbox.bluesky_sessions import error
from sandbox.server import Request, Response

CHAT_PROXY = "did:web:api.bsky.chat#bsky_chat"
MAX_MESSAGE_GRAPHEMES = 1000
FOLLOWERS_ONLY = "recipient requires incoming messages to come from someone they follow"
DISABLED = "recipient has disabled incoming messages"


class BlueskyChat:
    """Conversations between the brand and customers; what the brand sends is kept in `sent`."""

    def __init__(self, brand_did: str, profile: Any) -> None:
        self.brand_did = brand_did
        self._profile = profile  # did -> {did, handle, displayName}
        self.convos: dict[str, dict[str, Any]] = {}  # by id
        self.messages: list[dict[str, Any]] = []  # every message, with its convoId
        self.sent: list[dict[str, Any]] = []
        self.allow_incoming: dict[str, str] = {}  # by DID; absent: "following", Bluesky's default
        self.follows: dict[str, set[str]] = {}  # who each account follows
        self._revs = itertools.count(int(time.time() * 1_000_000))

    def add_message(self, sender: str, convo_id: str, text: str) -> dict[str, Any]:
        """A message from `sender` in the conversation (a customer writing to the brand)."""
        message = {
            "$type": "chat.bsky.convo.defs#messageView",
            "id": f"msg{next(self._revs)}",
            "rev": self._rev(),
            "text": text,
            "sender": {"did": sender},
            "sentAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        self.messages.append({**message, "convoId": convo_id})
        self.convos[convo_id]["rev"] = message["rev"]
        return message

    def convo_with(self, did: str) -> str:
        """The id of the brand's conversation with `did` (made if needed, whatever their setting)."""
        convo_id = hashlib.sha256(f"{self.brand_did}|{did}".encode()).hexdigest()[:13]
        self.convos.setdefault(convo_id, {"id": convo_id, "rev": self._rev(), "members": [self.brand_did, did]})
        return convo_id

    def answer(self, method: str, request: Request) -> Response:
        """One chat.bsky.convo call, proxied to the chat service."""
        if request.headers.get("atproto-proxy") != CHAT_PROXY:
            return error(501, "MethodNotImplemented", f"Method Not Implemented: {method}")
        if method == "chat.bsky.convo.getConvoForMembers":
            other = request.query.get("members", "")
            if other == self.brand_did or other not in self._profile():
                return error(400, "InvalidRequest", "Invalid members")
            refusal = self._refusal(other)
            if refusal is not None and not any(other in c["members"] for c in self.convos.values()):
                return error(400, "InvalidRequest", refusal)
            return Response(200, {"convo": self._view(self.convos[self.convo_with(other)])})
        if method == "chat.bsky.convo.sendMessage":
            return self._send(request.json())
        if method == "chat.bsky.convo.getMessages":
            convo = self.convos.get(request.query.get("convoId", ""))
            if convo is None:
                return error(400, "InvalidRequest", "Convo not found")
            mine = [m for m in self.messages if m["convoId"] == convo["id"]]
            return self._page(mine, request, "messages")
        if method == "chat.bsky.convo.listConvos":
            return self._page([self._view(c) for c in self.convos.values()], request, "convos")
        return error(501, "MethodNotImplemented", f"Method Not Implemented: {method}")

    def _refusal(self, did: str) -> str | None:
        setting = self.allow_incoming.get(did, "following")
        if setting == "none":
            return DISABLED
        if setting == "following" and self.brand_did not in self.follows.get(did, set()):
            return FOLLOWERS_ONLY
        return None

    def _send(self, body: Any) -> Response:
        convo = self.convos.get(str((body or {}).get("convoId") or "")) if isinstance(body, dict) else None
        text = ((body or {}).get("message") or {}).get("text") if isinstance(body, dict) else None
        if convo is None:
            return error(400, "InvalidRequest", "Convo not found")
        if not isinstance(text, str) or not text.strip():
            return error(400, "InvalidRequest", "Input/message/text must not be empty")
        if len(regex.findall(r"\X", text)) > MAX_MESSAGE_GRAPHEMES:
            return error(400, "InvalidRequest", "Input/message/text must not be longer than 1000 graphemes")
        other = next(d for d in convo["members"] if d != self.brand_did)
        refusal = self._refusal(other)
        customer_wrote = any(m["sender"]["did"] == other for m in self.messages if m["convoId"] == convo["id"])
        if refusal is not None and not customer_wrote:  # once they have written, the conversation is open
            return error(400, "InvalidRequest", refusal)
        message = self.add_message(self.brand_did, convo["id"], text)
        self.sent.append({**message, "convoId": convo["id"]})
        return Response(200, message)

    def _view(self, convo: dict[str, Any]) -> dict[str, Any]:
        profiles = self._profile()
        members = [dict(profiles[d]) for d in convo["members"] if d in profiles]
        last = [m for m in self.messages if m["convoId"] == convo["id"]]
        view = {"id": convo["id"], "rev": convo["rev"], "members": members, "muted": False, "unreadCount": 0}
        if last:
            view["lastMessage"] = {k: v for k, v in last[-1].items() if k != "convoId"}
        return view

    def _page(self, items: list[dict[str, Any]], request: Request, name: str) -> Response:
        raw = request.query.get("limit", "50")
        limit = int(raw) if raw.isdigit() and 1 <= int(raw) <= 100 else 0
        if not limit:
            return error(400, "InvalidRequest", "Error: limit must be an integer between 1 and 100")
        ordered = sorted(items, key=lambda item: item["rev"], reverse=True)
        cursor = request.query.get("cursor")
        if cursor:
            ordered = [item for item in ordered if item["rev"] < cursor]
        page = [{k: v for k, v in item.items() if k != "convoId"} for item in ordered[:limit]]
        body: dict[str, Any] = {name: page}
        if len(ordered) > limit:
            body["cursor"] = page[-1]["rev"]
        return Response(200, body)

    def _rev(self) -> str:
        return f"{next(self._revs):020d}"
