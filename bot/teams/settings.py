"""Teams' settings: the bot's Microsoft Entra app, the tenant it serves, where its cards go, the Bot Connector
addresses it may call and at what pace."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

# Microsoft's documented Bot Connector hosts (the serviceUrl of Teams' activities): the public cloud (its regional
# paths /amer/, /emea/, /apac/ … share one host), GCC, GCC High and DoD.
BOT_CONNECTOR_ORIGINS = (
    "https://smba.trafficmanager.net",
    "https://smba.infra.gcc.teams.microsoft.com",
    "https://smba.infra.gov.teams.microsoft.us",
    "https://smba.infra.dod.teams.microsoft.us",
)


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) address, lowercased; None when it is not one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    where = parts.hostname if port in (None, default) else f"{parts.hostname}:{port}"
    return f"{parts.scheme}://{where}"


class TeamsSettings(BaseSettings):
    """TEAMS_*. Secrets are SecretStr: they never show in logs or reprs."""

    teams_app_id: str | None = Field(
        None, description="the Teams bot's Microsoft Entra app (client) id: Teams' tokens name it as their audience"
    )
    teams_app_password: SecretStr | None = Field(
        None, description="the Teams bot's client secret, for the bearer token its calls to Teams carry"
    )
    teams_tenant_id: str | None = Field(None, description="the Microsoft Entra tenant (directory) id of the care team")
    teams_channel: str | None = Field(
        None,
        description="the Teams channel's conversation id (19:…@thread.tacv2) where cards go (unset: the channel "
        "Squeaky was added to)",
    )
    teams_service_url: str | None = Field(
        None, description="the Bot Connector address for proactive messages (unset: the one Teams sent at install)"
    )
    teams_agents_team: str | None = Field(
        None,
        description="the Teams team (its 19:… id) whose members are the care team; unset: anyone who sees a card "
        "may act on it",
    )
    teams_leads: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="team leads in Teams, by Microsoft Entra object id or Teams user id (29:…), comma-separated",
    )
    teams_allowed_service_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(BOT_CONNECTOR_ORIGINS),
        description="the Bot Connector addresses an activity's serviceUrl may name, comma-separated (Microsoft's "
        "public, GCC, GCC High and DoD clouds); any other is refused",
    )
    teams_openid_metadata_url: str = Field(
        "https://login.botframework.com/v1/.well-known/openidconfiguration",
        description="the OpenID metadata of the issuer of Teams' tokens (its keys are read beside it)",
    )
    teams_token_issuer: str = Field("https://api.botframework.com", description="the issuer Teams' tokens must name")
    teams_login_url: str = Field(
        "https://login.microsoftonline.com",
        description="Microsoft Entra's sign-in address, where the bot gets its bearer token",
    )
    teams_operations_per_second: float = Field(
        7.0,
        gt=0,
        description="calls Squeaky makes per second in one Teams conversation (Teams allows 7, and 60 in 30 s: "
        "its other windows scale with this)",
    )
    teams_tenant_operations_per_second: float = Field(
        50.0, gt=0, description="calls Squeaky makes per second to Teams in the whole tenant (Teams allows about 50)"
    )

    @field_validator("teams_leads", mode="before")
    @classmethod
    def _split_leads(cls, value: object) -> object:
        if isinstance(value, str):  # an "@" before a name is dropped (no Teams id or email starts with one)
            return [part.strip().lstrip("@") for part in value.split(",") if part.strip()]
        return value

    @field_validator("teams_channel", "teams_agents_team")
    @classmethod
    def _check_conversation(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("19:") and len(value) > 3 and " " not in value):
            raise ValueError("must be a conversation id such as 19:abc…@thread.tacv2 (not a channel name)")
        return value

    @field_validator("teams_openid_metadata_url")
    @classmethod
    def _check_openid(cls, value: str) -> str:
        if not value.endswith("/openidconfiguration"):
            raise ValueError("must end in /openidconfiguration (the keys are read from /keys beside it)")
        return value

    @field_validator("teams_allowed_service_urls", mode="before")
    @classmethod
    def _split_service_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("teams_allowed_service_urls")
    @classmethod
    def _check_service_urls(cls, value: list[str]) -> list[str]:
        origins = []
        for url in value:
            origin = origin_of(url)
            if origin is None:
                raise ValueError(f"{url[:80]!r} is not an address such as https://smba.trafficmanager.net")
            origins.append(origin)
        return origins

    @field_validator("teams_service_url", "teams_openid_metadata_url", "teams_login_url")
    @classmethod
    def _check_teams_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value
