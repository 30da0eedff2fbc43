"""Build tweepy clients that talk to X_API_URL (the real API in production, a local server in tests)."""

from __future__ import annotations

import tweepy

from bot.http_redirect import BaseUrlAdapter

TWEEPY_HOST = "https://api.twitter.com"  # tweepy.Client hard-codes this host
DEFAULT_TIMEOUT_SECONDS = 15.0


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
    client.session.mount(TWEEPY_HOST, BaseUrlAdapter(TWEEPY_HOST, base_url, timeout))
    return client
