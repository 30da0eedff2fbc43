"""A local Microsoft Teams, as a bot sees it: the issuer that signs Teams' calls to the bot (its own RSA key, served
as a JWKS document at the address the Teams SDK derives from its OpenID metadata setting), the Entra token endpoint
the bot gets its outgoing bearer from, and the Bot Connector at the activities' `serviceUrl` (send, reply, update,
create a conversation, members), which checks that bearer, records every call, and holds each conversation to
Teams' documented limits (7 operations a second, 8 in 2 s, 60 in 30 s per conversation, and about 50 a second for
the bot in the tenant; 429 with Retry-After past them).

Tests mint the JWTs Teams would send with `mint()`; `mint(key=...)`, a wrong audience, an old expiry or another
`serviceurl` make the forgeries a real validator must refuse.
"""

from __future__ import annotations

import base64
import itertools
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.server import LocalServer, Request, Response

ISSUER = "https://api.botframework.com"  # the issuer claim Teams' tokens carry (a name, never an address called)
OPENID_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"
LIMITS = ((1.0, 7), (2.0, 8), (30.0, 60))  # per bot, per conversation: (window in seconds, operations)
TENANT_LIMIT = (1.0, 50)  # per bot, across the tenant's conversations
_CONVERSATION = re.compile(r"^/v3/conversations/([^/]+)(?:/activities(?:/([^/]+))?|/members)?$")


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class TeamsCall:
    """One call the bot made to the Bot Connector."""

    method: str
    path: str
    conversation: str
    activity_id: str | None
    body: Any
    at: float = field(default_factory=time.time)


class LocalTeams(LocalServer):
    """The issuer, the token endpoint and the Bot Connector, on one local address."""

    def __init__(self, app_id: str = "00000000-0000-4000-8000-00005ea0b0a7", tenant_id: str = "local-tenant") -> None:
        super().__init__()
        self.app_id = app_id
        self.tenant_id = tenant_id
        self.client_secret = "local-teams-client-secret"
        self.kid = "local-teams-key-1"
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._bearers: set[str] = set()
        self.calls: list[TeamsCall] = []
        self.activities: dict[tuple[str, str], dict[str, Any]] = {}  # (conversation, activity id) -> latest version
        self.members: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._recent: dict[str, deque[float]] = {}
        self._tenant_recent: deque[float] = deque()
        self.clock: Callable[[], float] = time.monotonic  # the clock the limits count by (a test may hold it still)
        self.refusals: list[tuple[str, float, float]] = []  # (conversation or "tenant", when, Retry-After) of each 429
        self.enforce_limits = True

    # -- addresses a bot is configured with --------------------------------

    @property
    def openid_metadata_url(self) -> str:
        """The SDK's `openid_metadata_url` setting: the JWKS address is derived from it."""
        return self.url + OPENID_PATH

    @property
    def service_url(self) -> str:
        """The `serviceUrl` of activities from this Teams: the Bot Connector's address."""
        return self.url + "/"

    @property
    def token_url(self) -> str:
        """The Entra token endpoint of the tenant."""
        return f"{self.url}/{self.tenant_id}/oauth2/v2.0/token"

    # -- what tests do ------------------------------------------------------

    def mint(self, *, key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        """A token as Teams signs it for a call to the bot; `claims` override the true ones, `key` signs instead."""
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": self.app_id,
            "serviceurl": self.service_url,
            "nbf": now - 5,
            "iat": now - 5,
            "exp": now + 3600,
            **claims,
        }
        return jwt.encode(body, key or self._key, algorithm="RS256", headers={"kid": self.kid})

    def posts(self, conversation: str) -> list[dict[str, Any]]:
        """The messages posted at the top of `conversation` (not replies), each as it now stands, oldest first."""
        with self.lock:
            return [dict(a) for (c, _), a in self.activities.items() if c == conversation and not a.get("replyToId")]

    def thread(self, conversation: str, activity_id: str) -> list[dict[str, Any]]:
        """The replies in the thread of `activity_id`, oldest first."""
        with self.lock:
            return [
                dict(a)
                for (c, _), a in self.activities.items()
                if c == conversation and a.get("replyToId") == activity_id
            ]

    def chats_with(self, user_id: str) -> list[dict[str, Any]]:
        """Messages in the bot's 1:1 chats with `user_id`, oldest first."""
        with self.lock:
            chats = {c for c, members in self.members.items() if any(m.get("id") == user_id for m in members)}
            return [dict(a) for (c, _), a in self.activities.items() if c in chats]

    def updated_at(self, conversation: str, activity_id: str) -> float:
        """When the bot last updated this activity (0: never)."""
        with self.lock:
            times = [
                c.at
                for c in self.calls
                if c.method == "PUT" and c.activity_id == activity_id and c.conversation == conversation
            ]
        return max(times, default=0.0)

    def updates_of(self, conversation: str, activity_id: str) -> int:
        """How many times the bot updated this activity."""
        with self.lock:
            return sum(
                1
                for call in self.calls
                if call.method == "PUT" and call.activity_id == activity_id and call.conversation == conversation
            )

    # -- the routes -----------------------------------------------------------

    def route_of(self, request: Request) -> str:
        """Failures are queued by method and route shape: `POST activities`, `PUT activity`, `POST conversations`."""
        found = _CONVERSATION.match(request.path)
        if not found:
            return request.path
        if request.path.endswith("/members"):
            return "GET members"
        return f"{request.method} {'activity' if found[2] else 'activities'}"

    def handle(self, request: Request) -> Response:
        """Answer the issuer, the token endpoint or the Bot Connector."""
        if request.method == "GET" and request.path == OPENID_PATH:
            return Response(200, {"issuer": ISSUER, "jwks_uri": self.url + KEYS_PATH})
        if request.method == "GET" and request.path == KEYS_PATH:
            return Response(200, {"keys": [self._jwk()]})
        if request.method == "POST" and request.path == f"/{self.tenant_id}/oauth2/v2.0/token":
            return self._token(request)
        refused = self._refuse_bearer(request)
        if refused is not None:
            return refused
        if request.method == "POST" and request.path == "/v3/conversations":
            return self._create_conversation(request)
        found = _CONVERSATION.match(request.path)
        if not found:
            return Response(404, {"error": {"code": "NotFound", "message": f"no route {request.path}"}})
        return self._conversation(request, found[1], found[2])

    def _jwk(self) -> dict[str, Any]:
        numbers = self._key.public_key().public_numbers()
        return {"kty": "RSA", "use": "sig", "kid": self.kid, "n": _b64(numbers.n), "e": _b64(numbers.e)}

    def _token(self, request: Request) -> Response:
        form = dict(parse_qsl(request.body.decode()))
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.client_secret:
            return Response(401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid secret."})
        now = int(time.time())
        claims = {
            "iss": f"https://login.microsoftonline.com/{self.tenant_id}/v2.0",  # Entra's bearer is a JWT, as here
            "aud": "https://api.botframework.com",
            "appid": self.app_id,
            "tid": self.tenant_id,
            "iat": now,
            "nbf": now,
            "exp": now + 3599,
            "jti": secrets.token_urlsafe(12),
        }
        bearer = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})
        with self.lock:
            self._bearers.add(bearer)
        return Response(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": bearer})

    def _refuse_bearer(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        with self.lock:
            known = header.startswith("Bearer ") and header.removeprefix("Bearer ") in self._bearers
        if known:
            return None
        return Response(401, {"message": "Authorization has been denied for this request."})

    def _limited(self, conversation: str) -> Response | None:
        """Teams' per-conversation and per-tenant limits: past any of them, 429 with the seconds until a slot frees."""
        if not self.enforce_limits:
            return None
        now = self.clock()
        with self.lock:
            recent = self._recent.setdefault(conversation, deque())
            while recent and now - recent[0] > LIMITS[-1][0]:
                recent.popleft()
            while self._tenant_recent and now - self._tenant_recent[0] > TENANT_LIMIT[0]:
                self._tenant_recent.popleft()
            checks = [(conversation, recent, window, most) for window, most in LIMITS]
            for scope, calls, window, most in [*checks, ("tenant", self._tenant_recent, *TENANT_LIMIT)]:
                inside = [at for at in calls if now - at < window]
                if len(inside) >= most:
                    wait = max(0.001, window - (now - inside[0]))
                    self.refusals.append((scope, time.time(), wait))
                    return Response(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": f"{wait:.3f}"})
            recent.append(now)
            self._tenant_recent.append(now)
        return None

    def _create_conversation(self, request: Request) -> Response:
        body = request.json() or {}
        conversation = f"a:local-{next(self._ids)}" if not body.get("isGroup") else f"19:local-{next(self._ids)}"
        with self.lock:
            self.calls.append(TeamsCall("POST", request.path, conversation, None, body))
            self.members[conversation] = list(body.get("members") or [])
        activity = body.get("activity")
        if activity:
            return self._send(conversation, activity, request)
        return Response(201, {"id": conversation})

    def _conversation(self, request: Request, conversation: str, activity_id: str | None) -> Response:
        if request.method == "GET" and request.path.endswith("/members"):
            return Response(200, self.members.get(conversation, []))
        limited = self._limited(conversation)
        if limited is not None:
            return limited
        body = request.json() or {}
        if request.method == "PUT" and activity_id:
            with self.lock:
                if (conversation, activity_id) not in self.activities:
                    return Response(404, {"error": {"code": "ActivityNotFoundInConversation"}})
                self.activities[(conversation, activity_id)] = {**body, "id": activity_id}
                self.calls.append(TeamsCall("PUT", request.path, conversation, activity_id, body))
            return Response(200, {"id": activity_id})
        if request.method == "POST":
            if activity_id:
                body = {**body, "replyToId": activity_id}
            return self._send(conversation, body, request)
        return Response(405, {"error": {"code": "MethodNotAllowed"}})

    def _send(self, conversation: str, activity: dict[str, Any], request: Request) -> Response:
        activity_id = f"{int(time.time() * 1000)}{next(self._ids):04d}"
        with self.lock:
            self.activities[(conversation, activity_id)] = {**activity, "id": activity_id}
            self.calls.append(TeamsCall("POST", request.path, conversation, activity_id, activity))
        return Response(201, {"id": activity_id, "conversationId": conversation})
