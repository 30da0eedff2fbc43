"""The brand account's AT Protocol session, pointed at BLUESKY_SERVICE_URL (the real PDS in production, a local
stand-in in tests), shared by every process that uses the account.

The PDS may end an access token before the time written in it (its own rules, a suspended
process, clock skew): it then answers 400 ExpiredToken. A call so answered renews the session
(refreshSession, else createSession) and is made once more. The session lives in the shared
values (Redis, or in-process for one process), and a shared lock lets one process at a time
renew it; the others take the session it wrote. atproto's own renewal clock is off, so no two
processes ever refresh with the same refresh token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from atproto import Client
from atproto_client.client.session import Session
from atproto_client.exceptions import (
    BadRequestError,
    InvokeTimeoutError,
    NetworkError,
    RateLimitExceededError,
    RequestException,
    UnauthorizedError,
)
from atproto_client.request import Request

from bot.pacing import LANES, Pacer, RateLimited, Refused, Unavailable, local_pacer, wait_from
from handlers.ports.coordination import Locks, SharedValues
from storage.memory.keys import MemoryLocks, MemoryValues

DEFAULT_TIMEOUT_SECONDS = 15.0
ENDED = frozenset({"ExpiredToken", "InvalidToken"})  # the PDS's answers for a session it no longer honours
RENEW_BEFORE_SECONDS = 15 * 60  # renew this long before the access token's own expiry, as atproto would
SESSION_TTL_SECONDS = 60 * 86400  # well inside the refresh token's 90 days
RENEW_LOCK_SECONDS = 3 * DEFAULT_TIMEOUT_SECONDS  # a refresh and a login, each with its timeout
RENEW_WAIT_SECONDS = 2 * RENEW_LOCK_SECONDS  # how long a process waits for another's renewal before giving up

T = TypeVar("T")


def transient(exc: Exception) -> bool:
    """A failure that may pass: a timeout, the network, or the server's 5xx."""
    if isinstance(exc, InvokeTimeoutError | NetworkError):
        return True
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return isinstance(exc, RequestException) and isinstance(status, int) and status >= 500


def error_name(exc: Exception) -> str | None:
    """The XRPC error's name (`ExpiredToken`, `RecordNotFound` ...), where the server gave one."""
    content = getattr(getattr(exc, "response", None), "content", None)
    name = getattr(content, "error", None)
    return str(name) if name else None


def session_ended(exc: Exception) -> bool:
    """Whether the PDS refused the call because it no longer honours our access token."""
    return isinstance(exc, BadRequestError | UnauthorizedError) and error_name(exc) in ENDED


def wait_seconds(exc: RateLimitExceededError, now: float | None = None, fallback: float = 60.0) -> float:
    """How long the server asked us to wait: until its `ratelimit-reset` (epoch seconds), or its Retry-After."""
    headers = getattr(exc.response, "headers", None) or {}
    return wait_from(headers, now, fallback)


def _expiring(session: Session, now: float | None = None) -> bool:
    """Whether the access token is near the end written in it: within 15 minutes, or half its life if shorter."""
    claims = session.access_jwt_payload
    if claims.exp is None:
        return False
    expires, issued = float(claims.exp), float(claims.iat or claims.exp)
    margin = min(RENEW_BEFORE_SECONDS, (expires - issued) / 2)
    return expires - (time.time() if now is None else now) < margin


class _Client(Client):  # type: ignore[misc]  # atproto ships no types for mypy here
    """atproto's client without its own renewal clock: the session is renewed by BlueskySession, one process at a
    time."""

    def _should_refresh_session(self) -> bool:
        return False


class BlueskySession:
    """The brand account's client and session, logged in when first needed (createSession is limited to 30 per
    5 minutes per account, so never once per call), shared by this process's threads and, through `values` and
    `locks`, by every process on the same Redis."""

    def __init__(
        self,
        service_url: str,
        handle: str,
        app_password: str,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        *,
        values: SharedValues | None = None,
        locks: Locks | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.handle = handle
        self._pacer = pacer or local_pacer()  # createSession's own budget, 30 per 5 minutes
        self._service_url = service_url
        self._password = app_password
        self._timeout = timeout
        self._values: SharedValues = values if values is not None else MemoryValues()
        self._locks: Locks = locks if locks is not None else MemoryLocks()
        self._key = f"bsky:session:{handle.lower()}"
        self._lock = threading.Lock()
        self._client: Client | None = None
        self._current: Session | None = None

    def client(self) -> Client:
        """The logged-in client: the shared session taken (or made) if this process has none, renewed first when
        its access token is about to expire."""
        with self._lock:
            if self._client is None:
                self._client = _Client(base_url=self._service_url, request=Request(timeout=self._timeout))
            if self._current is None:
                self._renew(None)
            elif _expiring(self._current):
                self._renew(self._current)
            return self._client

    def call(self, request: Callable[[Client], T]) -> T:
        """`request(client)`; where the PDS says our session has ended, the session is renewed and the request made
        once more (a request so refused did nothing, so making it again is safe)."""
        client = self.client()
        used = self._current
        try:
            return request(client)
        except (BadRequestError, UnauthorizedError) as exc:
            if not session_ended(exc):
                raise
        with self._lock:
            self._renew(used)
        return request(self.client())

    @property
    def did(self) -> str:
        """The brand account's DID."""
        self.client()
        assert self._current is not None
        return str(self._current.did)

    def _renew(self, stale: Session | None) -> None:
        """A session newer than `stale` (None: any session): one another process wrote, else ours renewed under the
        shared lock (refreshSession, else createSession) and written for the others."""
        deadline = time.monotonic() + RENEW_WAIT_SECONDS
        while True:
            if self._adopt_newer(stale):
                return
            token = self._locks.acquire(self._key, RENEW_LOCK_SECONDS)
            if token is not None:
                try:
                    if self._adopt_newer(stale):
                        return
                    shared = self._shared()
                    session = self._refreshed(shared) if shared is not None else None
                    session = session or self._logged_in()
                    self._values.put(self._key, session.encode(), SESSION_TTL_SECONDS)
                    self._current = session
                    return
                finally:
                    self._locks.release(self._key, token)
            if time.monotonic() > deadline:
                raise Unavailable("another process is renewing the Bluesky session and has not finished")
            time.sleep(0.1)

    def _shared(self) -> Session | None:
        value = self._values.get(self._key)
        if value is None:
            return None
        try:
            return Session.decode(value)
        except ValueError:
            return None  # not a session string: log in again

    def _adopt_newer(self, stale: Session | None) -> bool:
        shared = self._shared()
        if shared is None or (stale is not None and shared.access_jwt == stale.access_jwt):
            return False
        assert self._client is not None
        self._client.login(session_string=shared.encode(), fetch_bsky_profile=False)
        self._current = shared
        return True

    def _refreshed(self, shared: Session) -> Session | None:
        """The session renewed with its refresh token, or None where the PDS refuses that token too."""
        assert self._client is not None
        self._client.login(session_string=shared.encode(), fetch_bsky_profile=False)
        try:
            self._client._refresh_and_set_session()  # atproto's refreshSession with the refresh token
        except RateLimitExceededError as exc:
            raise RateLimited("Bluesky", wait_seconds(exc)) from None
        except (BadRequestError, UnauthorizedError):
            return None
        return self._exported()

    def _logged_in(self) -> Session:
        assert self._client is not None
        lane = LANES["bluesky.session"]
        if (wait := self._pacer.ask(lane, self.handle.lower())) > 0:
            raise RateLimited("Bluesky", wait)
        try:
            self._client.login(self.handle, self._password, fetch_bsky_profile=False)
        except RateLimitExceededError as exc:
            seconds = wait_seconds(exc)
            self._pacer.pause(lane, self.handle.lower(), seconds)
            raise RateLimited("Bluesky", seconds) from None
        except (UnauthorizedError, BadRequestError) as exc:
            raise Refused(f"Bluesky refused BLUESKY_HANDLE and BLUESKY_APP_PASSWORD ({exc})") from None
        return self._exported()

    def _exported(self) -> Session:
        assert self._client is not None
        return Session.decode(self._client.export_session_string())
