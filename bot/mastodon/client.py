"""The brand account's Mastodon.py client, on MASTODON_API_BASE_URL (the real instance in production, a local
stand-in in tests): rate limits thrown, not slept on, so the poller and the outbox decide how to wait."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit

from mastodon import Mastodon
from mastodon.errors import MastodonNetworkError, MastodonRatelimitError, MastodonServerError

from bot.pacing import until_epoch

DEFAULT_TIMEOUT_SECONDS = 15.0
SUPPORTED_VERSION = "4.0.0"  # every call Squeaky makes (notifications by type, search v2, Idempotency-Key) is older


def make_client(base_url: str, access_token: str | None, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Mastodon:
    """A client that asks the instance nothing but what Squeaky calls: with a version given, Mastodon.py never looks
    the instance's version up (a look-up that, while /api/v1/instance fails, recurses until the stack runs out, and
    would fail a reply over an endpoint the reply does not need)."""
    return Mastodon(
        api_base_url=base_url,
        access_token=access_token,
        ratelimit_method="throw",
        request_timeout=timeout,
        mastodon_version=SUPPORTED_VERSION,
        version_check_mode="none",
    )


def transient(exc: Exception) -> bool:
    """A failure that may pass: the instance's 5xx, a timeout, the network."""
    return isinstance(exc, MastodonServerError | MastodonNetworkError)


def wait_seconds(api: Mastodon, exc: MastodonRatelimitError, fallback: float = 60.0) -> float:
    """How long the instance asked us to wait: until its X-RateLimit-Reset, as Mastodon.py read it."""
    del exc
    reset = getattr(api, "ratelimit_reset", None)
    return until_epoch(float(reset) if isinstance(reset, int | float) else None, fallback=fallback)


def host_of(base_url: str) -> str:
    """The instance's address without its scheme (`mastodon.social`), which names it in positions and ids."""
    return urlsplit(base_url).netloc or base_url


class MastodonAccount:
    """The brand account on its instance: the client, and who we are there (asked once). `elsewhere` gives a
    reader of another instance's public timelines, which knows who we are from here."""

    def __init__(self, api: Mastodon, home: str, *, brand_of: MastodonAccount | None = None) -> None:
        self.api = api
        self.home = home
        self._brand_of = brand_of

    @property
    def remote(self) -> bool:
        """Whether this reads another instance than the brand account's (its statuses' ids are that instance's)."""
        return self._brand_of is not None

    @functools.cached_property
    def me(self) -> Any:
        """Our account (verify_credentials on the brand's own instance)."""
        return self._brand_of.me if self._brand_of is not None else self.api.account_verify_credentials()

    def elsewhere(self, base_url: str) -> MastodonAccount:
        """A reader of another instance, without an account there."""
        return MastodonAccount(make_client(base_url, None), host_of(base_url), brand_of=self)
