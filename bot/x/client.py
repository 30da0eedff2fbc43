"""Build tweepy clients that talk to X_API_URL (the real API in production, a local server in tests)."""

from __future__ import annotations

from typing import Any

import requests
import tweepy
from requests.adapters import HTTPAdapter

TWEEPY_HOST = "https://api.twitter.com"  # tweepy.Client hard-codes this host
DEFAULT_TIMEOUT_SECONDS = 15.0


class _BaseUrlAdapter(HTTPAdapter):
    """Sends requests meant for tweepy's host to `base_url` instead, and never waits forever."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(max_retries=0)
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Rewrite the host, add the timeout, send."""
        if request.url and request.url.startswith(TWEEPY_HOST):
            request.url = self._base_url + request.url[len(TWEEPY_HOST) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def make_client(
    base_url: str,
    *,
    bearer_token: str | None = None,
    consumer_key: str | None = None,
    consumer_secret: str | None = None,
    access_token: str | None = None,
    access_token_secret: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> tweepy.Client:
    """A tweepy.Client whose every request goes to `base_url`; the caller handles rate limits (no sleeping here)."""
    client = tweepy.Client(
        bearer_token=bearer_token,
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        access_token=access_token,
        access_token_secret=access_token_secret,
        wait_on_rate_limit=False,
    )
    client.session.mount(TWEEPY_HOST, _BaseUrlAdapter(base_url, timeout))
    return client
