"""What each process needs set, checked before it starts anything: a missing setting is one line, never a trace.

The builders in bot.bootstrap call the same checks, so the list of what a part needs is
written once, and a process finds out before gunicorn forks, a thread starts or a port opens.
"""

from __future__ import annotations

from typing import Literal

from bot.chat_tools import chat_tools, enabled_tools
from bot.config import Settings
from bot.networks import networks

Process = Literal["web", "worker", "ingest", "run"]
SHARED_STREAM = (
    "separate web, worker and ingest processes share the stream and agents' clicks through Redis; "
    "`python -m bot run` needs none"
)


def require_chat(settings: Settings) -> None:
    """Posting and updating cards: a chat tool, with each chat tool's own settings (bot.chat_tools); with none on,
    what the first listed one needs."""
    for tool in enabled_tools(settings) or chat_tools()[:1]:
        tool.require(settings)


def require_tickets(settings: Settings) -> None:
    """The ticketing system TICKET_SYSTEM names."""
    if settings.ticket_system == "zendesk":
        settings.require("zendesk_subdomain", "zendesk_email", "zendesk_api_token", why="TICKET_SYSTEM is zendesk")
    elif settings.ticket_system == "webhook":
        settings.require("ticket_webhook_url", "ticket_webhook_secret", why="TICKET_SYSTEM is webhook")


def require_requests(settings: Settings) -> None:
    """Answering each chat tool that is on: what proves a request is its own (a signing secret, our app's and
    workspace's ids)."""
    for tool in enabled_tools(settings):
        tool.require_requests(settings)


def require_x_reading(settings: Settings) -> None:
    """Polling X: the bearer token and the handles whose mentions are complaints."""
    settings.require("x_bearer_token", "x_brand_handles")


def require_networks(settings: Settings) -> None:
    """Each network that is on has all it needs (bot.networks): Bluesky its handle and app password, Mastodon its
    instance and access token."""
    for network in networks():
        network.require(settings)


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
        require_requests(settings)
    if process in ("web", "worker", "ingest"):
        settings.require("redis_url", why=SHARED_STREAM)
    if process == "ingest":
        require_reading(settings)
