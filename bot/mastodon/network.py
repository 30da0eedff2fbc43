"""Mastodon as one network of the registry (bot.networks): the brand's account, its reply gateway and its rules;
Mastodon.py loads when they are built."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.mastodon.length import MastodonPostLength
from bot.mastodon.normalize import SOURCE
from bot.mastodon.rules import MastodonRules
from bot.mastodon.settings import MastodonSettings

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.mastodon.client import MastodonAccount
    from bot.mastodon.private import MastodonPrivate
    from bot.mastodon.replies import MastodonReplies
    from bot.wiring import Core


def mastodon_account(settings: Settings) -> MastodonAccount | None:
    """The brand's Mastodon account when MASTODON_API_BASE_URL is set (asked nothing until used)."""
    if not settings.mastodon_on:
        return None
    settings.require("mastodon_api_base_url", "mastodon_access_token", why="Mastodon is on")
    assert settings.mastodon_api_base_url is not None and settings.mastodon_access_token is not None
    from bot.mastodon.client import MastodonAccount, host_of, make_client

    api = make_client(settings.mastodon_api_base_url, settings.mastodon_access_token.get_secret_value())
    return MastodonAccount(api, host_of(settings.mastodon_api_base_url))


class MastodonNetwork:
    """Mastodon's factory."""

    source = SOURCE
    settings_model = MastodonSettings

    def on(self, settings: Settings) -> bool:
        """Either of its settings set (then both must be)."""
        return settings.mastodon_on

    def require(self, settings: Settings) -> None:
        """Its instance and access token."""
        if settings.mastodon_on:
            settings.require("mastodon_api_base_url", "mastodon_access_token", why="Mastodon is on")

    def rules(self, settings: Settings) -> MastodonRules:
        """Its rules, with the instance's length limit."""
        return MastodonRules(length=MastodonPostLength(settings.mastodon_max_characters))

    def replies(self, core: Core) -> MastodonReplies | None:
        """Replies through the brand's account."""
        account = mastodon_account(core.settings)
        if account is None:
            return None
        from bot.mastodon.replies import MastodonReplies

        return MastodonReplies(account, MastodonPostLength(core.settings.mastodon_max_characters), core.limiter)

    def private(self, core: Core) -> MastodonPrivate | None:
        """Direct posts through the brand's account."""
        account = mastodon_account(core.settings)
        if account is None:
            return None
        from bot.mastodon.private import MastodonPrivate

        return MastodonPrivate(account, MastodonPostLength(core.settings.mastodon_max_characters), core.limiter)


NETWORK = MastodonNetwork()
