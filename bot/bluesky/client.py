"""One logged-in AT Protocol client per process, pointed at BLUESKY_SERVICE_URL (the real PDS in production, a local
stand-in in tests)."""

from __future__ import annotations

import threading
import time

from atproto import Client
from atproto_client.exceptions import (
    BadRequestError,
    InvokeTimeoutError,
    NetworkError,
    RateLimitExceededError,
    RequestException,
    UnauthorizedError,
)
from atproto_client.request import Request

from bot.network_feeds import RateLimited, Refused

DEFAULT_TIMEOUT_SECONDS = 15.0


def transient(exc: Exception) -> bool:
    """A failure that may pass: a timeout, the network, or the server's 5xx."""
    if isinstance(exc, InvokeTimeoutError | NetworkError):
        return True
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return isinstance(exc, RequestException) and isinstance(status, int) and status >= 500


def wait_seconds(exc: RateLimitExceededError, now: float | None = None, fallback: float = 60.0) -> float:
    """How long the server asked us to wait: until its `ratelimit-reset` (epoch seconds)."""
    response = exc.response
    headers = getattr(response, "headers", None) or {}
    reset = headers.get("ratelimit-reset") or headers.get("RateLimit-Reset")
    try:
        return max(1.0, float(reset) - (now or time.time())) if reset else fallback
    except ValueError:
        return fallback


class BlueskySession:
    """The brand account's client, logged in once when first needed (createSession is limited to 30 per 5 minutes
    per account, so never once per call), shared by the poller's and the outbox's threads."""

    def __init__(
        self, service_url: str, handle: str, app_password: str, timeout: float = DEFAULT_TIMEOUT_SECONDS
    ) -> None:
        self.handle = handle
        self._service_url = service_url
        self._password = app_password
        self._timeout = timeout
        self._lock = threading.Lock()
        self._client: Client | None = None
        self._did: str | None = None

    def client(self) -> Client:
        """The logged-in client (logging in now if this is the first call)."""
        with self._lock:
            if self._client is None:
                client = Client(base_url=self._service_url, request=Request(timeout=self._timeout))
                try:
                    client.login(self.handle, self._password, fetch_bsky_profile=False)
                except RateLimitExceededError as exc:
                    raise RateLimited("Bluesky", wait_seconds(exc)) from None
                except (UnauthorizedError, BadRequestError) as exc:
                    raise Refused(f"Bluesky refused BLUESKY_HANDLE and BLUESKY_APP_PASSWORD ({exc})") from None
                self._did = client._session.did if client._session else None  # the SDK keeps the session's DID here
                self._client = client
            return self._client

    @property
    def did(self) -> str:
        """The brand account's DID."""
        self.client()
        assert self._did is not None
        return self._did
