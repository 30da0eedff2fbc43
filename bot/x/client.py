"""Build tweepy clients that talk to X_API_URL (the real API in production, a local server in tests)."""

from __future__ import annotations

import tweepy

from bot.http_redirect import BaseUrlAdapter
from handlers.ports.unit_of_work import UnitOfWorkFactory

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


def brand_user_id(client: tweepy.Client, uow_factory: UnitOfWorkFactory, handle: str) -> str:
    """The X user id of `handle`, looked up once and remembered in the checkpoints table."""
    name = f"x:user-id:{handle.lower()}"
    with uow_factory() as uow:
        known = uow.checkpoints.get(name)
    if known:
        return known
    response = client.get_user(username=handle)
    if response.data is None:
        raise LookupError(f"X has no account @{handle} (X_BRAND_HANDLES)")
    user_id = str(response.data.id)
    with uow_factory() as uow:
        uow.checkpoints.set(name, user_id)
        uow.commit()
    return user_id
