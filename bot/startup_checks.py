"""What each process needs set, checked before it starts anything: a missing setting is one line, never a trace.

The builders in bot.bootstrap call the same checks, so the list of what a part needs is
written once, and a process finds out before gunicorn forks, a thread starts or a port opens.
"""

from __future__ import annotations

from typing import Literal

from bot.chat_settings import origin_of
from bot.config import Settings, SettingsError

Process = Literal["web", "worker", "ingest", "run"]
SHARED_STREAM = (
    "separate web, worker and ingest processes share the stream and agents' clicks through Redis; "
    "`python -m bot run` needs none"
)


def require_chat(settings: Settings) -> None:
    """Posting and updating cards: a chat tool, with each chat tool's own settings (Slack's bot token and channel)."""
    if not settings.chat_surfaces:
        settings.require("slack_bot_token", "slack_channel")  # Slack is the chat tool there is
    if "slack" in settings.chat_surfaces:
        settings.require("slack_bot_token", "slack_channel", why="Slack is on")
    if "teams" in settings.chat_surfaces:
        settings.require("teams_app_id", "teams_app_password", why="Teams is on")
        settings.require("teams_tenant_id", why="Teams is on: activities from any other tenant are refused")
        require_known_service_url(settings)


def require_known_service_url(settings: Settings) -> None:
    """TEAMS_SERVICE_URL, when set, is one of the Bot Connector addresses TEAMS_ALLOWED_SERVICE_URLS lists."""
    url = settings.teams_service_url
    if url is not None and origin_of(url) not in settings.teams_allowed_service_urls:
        allowed = ", ".join(settings.teams_allowed_service_urls)
        raise SettingsError(
            f"TEAMS_SERVICE_URL is not one of TEAMS_ALLOWED_SERVICE_URLS ({allowed}): Squeaky calls only the Bot "
            "Connector addresses listed there. Set it in the environment or in .env."
        )


def require_tickets(settings: Settings) -> None:
    """The ticketing system TICKET_SYSTEM names."""
    if settings.ticket_system == "zendesk":
        settings.require("zendesk_subdomain", "zendesk_email", "zendesk_api_token", why="TICKET_SYSTEM is zendesk")
    elif settings.ticket_system == "webhook":
        settings.require("ticket_webhook_url", "ticket_webhook_secret", why="TICKET_SYSTEM is webhook")


def require_slack_requests(settings: Settings) -> None:
    """Answering Slack: our app and workspace named; over HTTP every request is checked against the signing secret."""
    if "slack" not in settings.chat_surfaces:
        return  # Teams alone: its requests are checked against Teams' keys
    settings.require("slack_bot_token")
    if not settings.slack_app_token:
        settings.require("slack_signing_secret", why="every HTTP request from Slack is checked against it")
    settings.require("slack_app_id", why="requests naming another app are refused")
    if not settings.slack_enterprise_id:
        settings.require(
            "slack_team_id",
            why="requests from other workspaces are refused; SLACK_ENTERPRISE_ID for an org-wide install",
        )


def require_x_reading(settings: Settings) -> None:
    """Polling X: the bearer token and the handles whose mentions are complaints."""
    settings.require("x_bearer_token", "x_brand_handles")


def require_networks(settings: Settings) -> None:
    """Each network that is on has all it needs: Bluesky its handle and app password, Mastodon its instance and
    access token."""
    if settings.bluesky_on:
        settings.require("bluesky_handle", "bluesky_app_password", why="Bluesky is on")
    if settings.mastodon_on:
        settings.require("mastodon_api_base_url", "mastodon_access_token", why="Mastodon is on")


def require_reading(settings: Settings) -> None:
    """The ingest process: at least one network to read, each with what it needs."""
    require_networks(settings)
    if not (settings.bluesky_on or settings.mastodon_on) or settings.x_bearer_token or settings.x_brand_handles:
        require_x_reading(settings)


def check_settings(settings: Settings, process: Process) -> None:
    """Raise the SettingsError `process` would meet while starting, before it starts anything."""
    if process in ("web", "worker", "run"):
        require_chat(settings)
        require_tickets(settings)
        require_networks(settings)
    if process in ("web", "run"):
        require_slack_requests(settings)
    if process in ("web", "worker", "ingest"):
        settings.require("redis_url", why=SHARED_STREAM)
    if process == "ingest":
        require_reading(settings)
