"""X as one network of the registry (bot.networks): its read client, its reply gateway and its rules; tweepy loads
when they are built."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.x.rules import SOURCE, XRules
from bot.x.settings import XSettings

if TYPE_CHECKING:
    import tweepy

    from bot.config import Settings
    from bot.wiring import Core
    from bot.x.private import XPrivate
    from bot.x.replies import XReplies


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def x_read_client(settings: Settings) -> tweepy.Client:
    """A tweepy client with the app's bearer token, for reading mentions."""
    from bot.x.client import make_client

    settings.require("x_bearer_token")
    return make_client(settings.x_api_url, bearer_token=_secret(settings.x_bearer_token))


def x_user_client(core: Core) -> tweepy.Client | None:
    """A tweepy client as the brand account (OAuth 1.0a) when its keys and handle are set, else None."""
    s = core.settings
    keys = (s.x_api_key, s.x_api_secret, s.x_access_token, s.x_access_token_secret)
    if not all(keys) or not s.x_brand_handles:
        return None
    from bot.x.client import make_client

    return make_client(
        s.x_api_url,
        bearer_token=_secret(s.x_bearer_token),
        consumer_key=_secret(s.x_api_key),
        consumer_secret=_secret(s.x_api_secret),
        access_token=_secret(s.x_access_token),
        access_token_secret=_secret(s.x_access_token_secret),
    )


def x_replies(core: Core) -> XReplies | None:
    """The X reply gateway when the brand account's OAuth 1.0a keys are set, else None (replies then fail clearly)."""
    client = x_user_client(core)
    if client is None:
        return None
    from bot.x.client import brand_user_id
    from bot.x.replies import XReplies

    handle = core.settings.x_brand_handles[0]
    return XReplies(
        client, handle, functools.cache(lambda: brand_user_id(client, core.uow_factory, handle)), core.limiter
    )


def x_private(core: Core) -> XPrivate | None:
    """Direct messages as the brand account, on the same keys as its replies (which need DM access on X's side)."""
    client = x_user_client(core)
    if client is None:
        return None
    from bot.x.client import brand_user_id
    from bot.x.private import XPrivate

    handle = core.settings.x_brand_handles[0]
    return XPrivate(client, functools.cache(lambda: brand_user_id(client, core.uow_factory, handle)), core.limiter)


class XNetwork:
    """X's factory."""

    source = SOURCE
    settings_model = XSettings

    def on(self, settings: Settings) -> bool:
        """X is on when its bearer token or a brand handle is set."""
        return bool(settings.x_bearer_token or settings.x_brand_handles)

    def require(self, settings: Settings) -> None:
        """Nothing beyond what reading needs (bot.startup_checks.require_x_reading)."""

    def rules(self, settings: Settings) -> XRules:
        """Its rules, with its prices from the settings."""
        return XRules(settings.x_cost_per_post, settings.x_cost_per_post_with_url)

    def replies(self, core: Core) -> XReplies | None:
        """See x_replies."""
        return x_replies(core)

    def private(self, core: Core) -> XPrivate | None:
        """See x_private."""
        return x_private(core)


NETWORK = XNetwork()
