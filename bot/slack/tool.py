"""Slack as one chat tool of the registry (bot.chat_tools): its settings, its face, its route (or Socket Mode), its
pace, its checks and its clicks, which a worker decides. Light at import: Bolt and the SDK load when Slack is on."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.chat_tools import BuiltFace, ClickRoute, WebParts
from bot.slack.refs import SURFACE
from bot.slack.settings import SlackSettings
from handlers.domain.people import Identity

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.housekeeping import Job
    from bot.wiring import Core, Services


def require_slack_requests(settings: Settings) -> None:
    """Answering Slack: our app and workspace named; over HTTP every request is checked against the signing secret."""
    settings.require("slack_bot_token")
    if not settings.slack_app_token:
        settings.require("slack_signing_secret", why="every HTTP request from Slack is checked against it")
    settings.require("slack_app_id", why="requests naming another app are refused")
    if not settings.slack_enterprise_id:
        settings.require(
            "slack_team_id",
            why="requests from other workspaces are refused; SLACK_ENTERPRISE_ID for an org-wide install",
        )


class SlackTool:
    """The Slack face's factory."""

    name = SURFACE
    settings_model = SlackSettings
    channel_shape = (re.compile(r"^[CG][A-Z0-9]{2,20}$"), "a Slack channel id such as C0123ABCD")

    def enabled(self, settings: Settings) -> bool:
        """Slack is on when its bot token or its channel is set."""
        return bool(settings.slack_bot_token or settings.slack_channel)

    def require(self, settings: Settings) -> None:
        """Posting cards: the bot token and the channel."""
        settings.require("slack_bot_token", "slack_channel", why="Slack is on" if self.enabled(settings) else None)

    def require_requests(self, settings: Settings) -> None:
        """Answering Slack's requests (see require_slack_requests)."""
        require_slack_requests(settings)

    def build(self, core: Core) -> BuiltFace:
        """The gateway, the directory and the clicks' queue."""
        from bot.slack.app import build_slack

        face, parts = build_slack(core)
        return BuiltFace(face, parts)

    def web(self, services: Services) -> WebParts:
        """/slack/events over HTTP; under Socket Mode (SLACK_APP_TOKEN) a connection instead."""
        from bot.slack.app import build_bolt_app
        from bot.slack.route import SLACK_PATH, SlackEvents, SocketMode

        settings = services.settings
        bolt = build_bolt_app(services)
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
        token = settings.slack_app_token
        route = SlackEvents(bolt, secret, over_http=token is None)
        return WebParts({SLACK_PATH: route}, SocketMode(bolt, token.get_secret_value()) if token else None)

    def keeps_connection(self, settings: Settings) -> bool:
        """Under Socket Mode the web process holds the connection itself."""
        return settings.slack_app_token is not None

    def cards_per_second(self, settings: Settings) -> float:
        """SLACK_POSTS_PER_SECOND."""
        return settings.slack_posts_per_second

    def click_route(self, services: Services) -> ClickRoute | None:
        """Slack acks a click within 3 s and a worker decides it from the clicks' queue."""
        from bot.slack.clicks import ClickDecider
        from bot.slack.parts import slack_of

        return ClickRoute(slack_of(services).clicks, ClickDecider(services).decide)

    def jobs(self, services: Services) -> list[Job]:
        """None of its own."""
        return []

    def fallback_on_call(self, settings: Settings) -> Identity | None:
        """ONCALL_USER, a Slack user."""
        return Identity(SURFACE, settings.oncall_user) if settings.oncall_user else None  # no name: keep the one known

    def link_secret(self, settings: Settings) -> SecretStr | None:
        """The signing secret."""
        return settings.slack_signing_secret

    def describe(self, settings: Settings) -> str:
        """/slack/events, or Socket Mode."""
        return "Slack over Socket Mode" if settings.slack_app_token else "/slack/events"


TOOL = SlackTool()
