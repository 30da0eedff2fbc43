"""The Slack face built for one process: the Web API client, the gateway and directory, and the Bolt app with every
listener attached (HTTP and Socket Mode share it)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from pydantic import SecretStr
from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient

from bot.config import Settings
from bot.slack.commands import register as register_commands
from bot.slack.form_seal import FormSealGate, form_key
from bot.slack.gateway import SlackChatGateway
from bot.slack.incident_listeners import register as register_incidents
from bot.slack.listeners import register
from bot.slack.modal_listeners import register as register_modals
from bot.slack.parts import CLICKS, SlackParts, slack_of
from bot.slack.team import TeamDirectory
from bot.slack.tenancy import WorkspaceGate, check_installation
from bot.wiring import Core, Services
from handlers.ports.surfaces import Face

log = logging.getLogger(__name__)
LISTENER_THREADS = 32  # Bolt runs each listener (after its ack) on this pool; the next clicks ack on it too


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def slack_client(settings: Settings) -> WebClient:
    """The slack-sdk WebClient, pointed at SLACK_API_URL."""
    settings.require("slack_bot_token")
    return WebClient(token=_secret(settings.slack_bot_token), base_url=settings.slack_api_url, timeout=10)


def build_slack(core: Core) -> tuple[Face, SlackParts]:
    """The Slack face and its parts from SLACK_* settings (checked before: bot.startup_checks)."""
    settings = core.settings
    assert settings.slack_channel is not None
    client = slack_client(settings)
    chat = SlackChatGateway(
        client,
        settings.slack_channel,
        core.limiter,
        posts_per_second=settings.slack_posts_per_second,
        post_burst=settings.slack_post_burst,
        updates_per_second=settings.slack_updates_per_second,
        leads_group=settings.slack_leads_group,
        values=core.values,
        distribution=settings.slack_app_distribution,
    )
    team = TeamDirectory(client, settings.slack_agents_group, settings.slack_leads_group)
    return Face(cards=chat, notifier=chat, directory=team), SlackParts(chat, team, core.streams(CLICKS))


def _bolt(settings: Settings, client: WebClient, *, verify_token: bool) -> App:
    return App(
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="slack-listener"),
        signing_secret=_secret(settings.slack_signing_secret) or "",
        client=client,
        process_before_response=False,
        token_verification_enabled=verify_token,
    )


def build_bolt_app(services: Services) -> App:
    """The Bolt app with every listener attached (HTTP and Socket Mode share it)."""
    from bot.slack.tool import require_slack_requests

    settings = services.settings
    require_slack_requests(settings)
    client = slack_client(settings)
    check_installation(client, settings.slack_team_id, settings.slack_enterprise_id)  # a refused token stops here
    try:
        app = _bolt(settings, client, verify_token=True)
    except BoltError:  # Slack failing as the process starts: serve anyway, Bolt asks who we are on the first request
        log.warning("Slack did not answer auth.test as this process started; serving, and asking again on first use")
        app = _bolt(settings, client, verify_token=False)
    assert settings.slack_app_id is not None
    gate = WorkspaceGate(settings.slack_app_id, settings.slack_team_id, settings.slack_enterprise_id)
    app.use(gate.middleware)  # first of ours: before any listener, over HTTP and Socket Mode alike
    app.use(FormSealGate(form_key(settings)).middleware)  # a modal's payloads only with their seal intact
    slack_of(services).team.warm()  # who is on the care team, read before the first click needs it
    register(app, services)
    register_modals(app, services)
    register_commands(app, services)
    register_incidents(app, services)
    return app
