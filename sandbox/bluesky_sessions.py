"""The local PDS's sessions, shaped on the PDS's documented answers: createSession gives an access token (about two
hours) and a refresh token (90 days); an access token past its time, or one the PDS has stopped honouring early
(it ends sessions on its own rules, e.g. when an account look-up fails), is answered `400 ExpiredToken`
"Token has expired"; refreshSession takes only the refresh token and gives a new pair."""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from typing import Any

import jwt

from sandbox.server import Request, Response

ACCESS_SCOPE = "com.atproto.appPass"
REFRESH_SCOPE = "com.atproto.refresh"


def error(status: int, name: str, message: str) -> Response:
    """An XRPC error as the PDS writes it."""
    return Response(status, {"error": name, "message": message})


class PdsSessions:
    """Tokens for the brand account: issued, checked, refreshed, and ended early when a test says so."""

    def __init__(self, access_minutes: float = 120.0) -> None:
        self.access_minutes = access_minutes
        self.created = 0  # createSession calls: the PDS limits them to 30 per 5 minutes
        self.refreshed = 0  # refreshSession calls that gave a new pair
        self._secret = hashlib.sha256(b"local-bluesky").hexdigest()
        self._serial = itertools.count(1)
        self._honoured_from = 0  # access tokens issued before this serial answer ExpiredToken
        self._lock = threading.Lock()

    def issue(self, did: str) -> dict[str, str]:
        """A new access and refresh token for `did`."""
        now = int(time.time())
        with self._lock:
            serial = next(self._serial)
        access = {"scope": ACCESS_SCOPE, "sub": did, "iat": now, "exp": now + int(self.access_minutes * 60)}
        refresh = {"scope": REFRESH_SCOPE, "sub": did, "iat": now, "exp": now + 90 * 86400}
        return {
            "accessJwt": jwt.encode(access | {"jti": str(serial)}, self._secret, "HS256", headers={"typ": "at+jwt"}),
            "refreshJwt": jwt.encode(
                refresh | {"jti": f"r{serial}"}, self._secret, "HS256", headers={"typ": "refresh+jwt"}
            ),
        }

    def expire_all(self) -> None:
        """End every access token issued so far, early: their next use is answered 400 ExpiredToken."""
        with self._lock:
            self._honoured_from = next(self._serial)

    def check(self, request: Request, *, refresh: bool) -> tuple[Response | None, dict[str, Any]]:
        """The request's bearer token checked as the PDS checks it: a problem to answer, or its claims."""
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return error(401, "AuthenticationRequired", "Authentication Required"), {}
        try:
            claims = jwt.decode(auth[7:], self._secret, algorithms=["HS256"])
        except jwt.ExpiredSignatureError:
            return error(400, "ExpiredToken", "Token has expired"), {}
        except jwt.InvalidTokenError:
            return error(401, "InvalidToken", "Token could not be verified"), {}
        wanted = REFRESH_SCOPE if refresh else ACCESS_SCOPE
        if claims.get("scope") != wanted:
            return error(400, "InvalidToken", "Bad token scope"), {}
        if not refresh and int(str(claims.get("jti") or 0)) < self._honoured_from:
            return error(400, "ExpiredToken", "Token has expired"), {}
        return None, claims
