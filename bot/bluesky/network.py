"""Bluesky as one network of the registry (bot.networks): the brand's session, its reply gateway and its rules;
atproto loads when they are built."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.bluesky.normalize import SOURCE
from bot.bluesky.rules import BlueskyRules
from bot.bluesky.settings import BlueskySettings
from bot.pacing import Pacer

if TYPE_CHECKING:
    from bot.bluesky.client import BlueskySession
    from bot.bluesky.private import BlueskyPrivate
    from bot.bluesky.replies import BlueskyReplies
    from bot.config import Settings
    from bot.wiring import Core


def bluesky_session(core: Core) -> BlueskySession | None:
    """The brand's Bluesky account when BLUESKY_HANDLE is set (it logs in when first used), its session shared with
    every process on the same Redis."""
    settings = core.settings
    if not settings.bluesky_on:
        return None
    settings.require("bluesky_handle", "bluesky_app_password", why="Bluesky is on")
    assert settings.bluesky_handle is not None and settings.bluesky_app_password is not None
    from bot.bluesky.client import BlueskySession

    return BlueskySession(
        settings.bluesky_service_url,
        settings.bluesky_handle,
        settings.bluesky_app_password.get_secret_value(),
        values=core.values,
        locks=core.locks,
        pacer=Pacer(core.limiter),
    )


class BlueskyNetwork:
    """Bluesky's factory."""

    source = SOURCE
    settings_model = BlueskySettings

    def on(self, settings: Settings) -> bool:
        """Either of its credentials set (then both must be)."""
        return settings.bluesky_on

    def require(self, settings: Settings) -> None:
        """Its handle and app password."""
        if settings.bluesky_on:
            settings.require("bluesky_handle", "bluesky_app_password", why="Bluesky is on")

    def rules(self, settings: Settings) -> BlueskyRules:
        """Its rules."""
        return BlueskyRules()

    def replies(self, core: Core) -> BlueskyReplies | None:
        """Replies through the brand's session."""
        session = bluesky_session(core)
        if session is None:
            return None
        from bot.bluesky.replies import BlueskyReplies

        return BlueskyReplies(session, core.limiter)

    def private(self, core: Core) -> BlueskyPrivate | None:
        """Chat through the brand's session (its app password must allow DMs)."""
        session = bluesky_session(core)
        if session is None:
            return None
        from bot.bluesky.private import BlueskyPrivate

        return BlueskyPrivate(session, core.limiter)


NETWORK = BlueskyNetwork()
