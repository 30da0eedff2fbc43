"""The social networks Squeaky reads and replies on. Each one is a package under bot/ exposing one factory,
`NETWORK`, in its module `network`; they are listed once, here, and imported when first asked for. A network's
client library (tweepy, atproto, Mastodon.py) loads only when the network is on."""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Protocol

from pydantic_settings import BaseSettings

from handlers.ports.gateways import SocialGateway, SourceRules
from handlers.ports.private import PrivateGateway

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.wiring import Core

NETWORKS = ("bot.x.network", "bot.bluesky.network", "bot.mastodon.network")  # each module's NETWORK is a Network


class Network(Protocol):
    """One social network: its rules for a public reply, and its reply gateway when its account is set."""

    source: str  # the complaints' source name
    settings_model: type[BaseSettings]  # its settings, merged into bot.config.Settings

    def on(self, settings: Settings) -> bool:
        """Whether any of its settings is set."""
        ...

    def require(self, settings: Settings) -> None:
        """Raise SettingsError for what a network that is on needs and is missing."""
        ...

    def rules(self, settings: Settings) -> SourceRules:
        """What it allows and charges for a public reply."""
        ...

    def replies(self, core: Core) -> SocialGateway | None:
        """Its reply gateway when the brand account's credentials are set, else None (replies then fail clearly)."""
        ...

    def private(self, core: Core) -> PrivateGateway | None:
        """Its private channel to customers when the brand account's credentials are set, else None."""
        ...


@cache
def networks() -> tuple[Network, ...]:
    """Every listed network, in the list's order."""
    return tuple(import_module(path).NETWORK for path in NETWORKS)


def _settings_models() -> tuple[type[BaseSettings], ...]:
    return tuple(import_module(path).NETWORK.settings_model for path in NETWORKS)


if TYPE_CHECKING:  # the listed networks' settings, spelled out for the type checker
    from bot.bluesky.settings import BlueskySettings
    from bot.mastodon.settings import MastodonSettings
    from bot.x.settings import XSettings

    class NetworkSettings(XSettings, BlueskySettings, MastodonSettings):
        """Every network's settings, as one model."""

else:
    NetworkSettings = type(
        "NetworkSettings", _settings_models(), {"__doc__": "Every network's settings, as one model."}
    )
