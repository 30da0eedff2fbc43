"""The brand account's Mastodon.py client, on MASTODON_API_BASE_URL (the real instance in production, a local
stand-in in tests): rate limits thrown, not slept on, so the poller and the outbox decide how to wait."""

from __future__ import annotations

import functools
import time
from typing import Any
from urllib.parse import urlsplit

from mastodon import Mastodon
from mastodon.errors import MastodonNetworkError, MastodonRatelimitError, MastodonServerError

DEFAULT_TIMEOUT_SECONDS = 15.0


def make_client(base_url: str, access_token: str | None, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Mastodon:
    """A client that asks the instance nothing until it is used (no version check at start)."""
    return Mastodon(
        api_base_url=base_url,
        access_token=access_token,
        ratelimit_method="throw",
        request_timeout=timeout,
        version_check_mode="none",
    )


def transient(exc: Exception) -> bool:
    """A failure that may pass: the instance's 5xx, a timeout, the network."""
    return isinstance(exc, MastodonServerError | MastodonNetworkError)


def wait_seconds(api: Mastodon, exc: MastodonRatelimitError, fallback: float = 60.0) -> float:
    """How long the instance asked us to wait: until its X-RateLimit-Reset, as Mastodon.py read it."""
    del exc
    reset = getattr(api, "ratelimit_reset", None)
    return max(1.0, float(reset) - time.time()) if isinstance(reset, int | float) else fallback


def host_of(base_url: str) -> str:
    """The instance's host name, which completes local accounts' handles."""
    return urlsplit(base_url).netloc.split(":")[0] or base_url


class MastodonAccount:
    """The brand account on its instance: the client, and who we are there (asked once)."""

    def __init__(self, api: Mastodon, home: str) -> None:
        self.api = api
        self.home = home

    @functools.cached_property
    def me(self) -> Any:
        """Our account (verify_credentials)."""
        return self.api.account_verify_credentials()
