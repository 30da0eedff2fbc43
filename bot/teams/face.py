"""The Teams face's parts, built once per process from the settings: the Bot Connector client, where Squeaky lives
in Teams, the care team's directory and the gateway the outbox delivers through."""

from __future__ import annotations

from dataclasses import dataclass

from microsoft_teams.api.auth.cloud_environment import PUBLIC, CloudEnvironment, with_overrides

from bot.config import Settings
from bot.teams.connector import TeamsConnector
from bot.teams.directory import TeamsDirectory
from bot.teams.gateway import TeamsChatGateway
from bot.teams.loop import LoopThread
from bot.teams.place import TeamsPlace
from bot.teams.refs import SURFACE
from bot.teams.token import ClientCredentialsToken
from bot.wiring import Services
from handlers.ports.coordination import RateLimiter
from handlers.ports.unit_of_work import UnitOfWorkFactory


@dataclass
class TeamsFace:
    """Everything the Teams face needs besides the core."""

    app_id: str
    cloud: CloudEnvironment
    token: ClientCredentialsToken
    loop: LoopThread
    connector: TeamsConnector
    place: TeamsPlace
    directory: TeamsDirectory
    gateway: TeamsChatGateway


def teams_cloud(settings: Settings) -> CloudEnvironment:
    """Microsoft's public cloud, with the addresses the settings move (a sovereign cloud, or a local stand-in)."""
    return with_overrides(
        PUBLIC,
        openid_metadata_url=settings.teams_openid_metadata_url,
        token_issuer=settings.teams_token_issuer,
        login_endpoint=settings.teams_login_url,
    )


def build_teams(settings: Settings, uow_factory: UnitOfWorkFactory, limiter: RateLimiter) -> TeamsFace:
    """The Teams face from TEAMS_* settings (checked before: bot.startup_checks)."""
    assert settings.teams_app_id and settings.teams_app_password and settings.teams_tenant_id
    cloud = teams_cloud(settings)
    token = ClientCredentialsToken(
        settings.teams_login_url,
        settings.teams_tenant_id,
        settings.teams_app_id,
        settings.teams_app_password.get_secret_value(),
    )
    loop = LoopThread()
    connector = TeamsConnector(
        loop,
        token,
        cloud,
        limiter,
        per_second=settings.teams_operations_per_second,
        tenant_per_second=settings.teams_tenant_operations_per_second,
    )
    place = TeamsPlace(settings, uow_factory)
    directory = TeamsDirectory(connector, place, settings.teams_agents_team, settings.teams_leads)
    gateway = TeamsChatGateway(connector, place, directory)
    return TeamsFace(settings.teams_app_id, cloud, token, loop, connector, place, directory, gateway)


def teams_of(services: Services) -> TeamsFace:
    """The Teams face's parts (the Teams face runs only when Teams is on)."""
    parts = services.face_parts.get(SURFACE)
    if not isinstance(parts, TeamsFace):
        raise RuntimeError("Teams is not configured here (TEAMS_APP_ID, TEAMS_APP_PASSWORD)")
    return parts
