"""The chat tools' settings (Slack and Teams): who Squeaky is there, which workspace and tenant it serves, and the
addresses it talks to. `bot.config.Settings` adds the rest."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
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


class ChatSettings(BaseSettings):
    """Slack's and Teams' settings. Secrets are SecretStr: they never show in logs or reprs."""

    slack_bot_token: SecretStr | None = Field(None, description="the Slack bot token (xoxb-…) cards are posted with")
    slack_signing_secret: SecretStr | None = Field(
        None, description="the Slack signing secret that proves requests come from Slack"
    )
    slack_app_token: SecretStr | None = Field(
        None, description="the Slack app-level token (xapp-…) for Socket Mode, instead of a public URL"
    )
    slack_channel: str | None = Field(None, description="the Slack channel id (C…) where complaint cards are posted")
    slack_api_url: str = Field("https://slack.com/api/", description="the Slack Web API base URL")
    slack_posts_per_second: float = Field(
        1.0, gt=0, description="messages Squeaky posts per second in one channel (Slack allows about 1)"
    )
    slack_updates_per_second: float = Field(
        0.8, gt=0, description="card updates (chat.update) per second in the workspace (Slack's Tier 3: 50+ a minute)"
    )
    slack_post_burst: int = Field(
        2, ge=1, description="a channel's short burst, whose last slot only VIP cards may take (1: no reserve)"
    )
    slack_app_distribution: Literal["internal", "marketplace", "distributed"] = Field(
        "internal", description="how the Slack app is distributed: internal, marketplace, or distributed (unlisted)"
    )

    slack_team_id: str | None = Field(
        None,
        description="the Slack workspace id (T…) Squeaky serves: signed requests from any other workspace are refused",
    )
    slack_enterprise_id: str | None = Field(
        None,
        description="the Enterprise Grid organisation id (E…) Squeaky serves, when installed org-wide: requests "
        "from any other organisation are refused",
    )
    slack_app_id: str | None = Field(
        None, description="the Slack app's id (A…): signed requests naming any other app are refused"
    )

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

    slack_agents_group: str | None = Field(
        None, description="the Slack user group (S…) of the care team; unset: anyone who sees a card may act on it"
    )
    slack_leads_group: str | None = Field(
        None, description="the Slack user group (S…) of team leads: they reassign claims and change team settings"
    )

    @field_validator("teams_leads", mode="before")
    @classmethod
    def _split_leads(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
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

    @field_validator("slack_agents_group", "slack_leads_group")
    @classmethod
    def _check_group(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("S") and value[1:].isalnum()):
            raise ValueError("must be a user group id such as S0123ABCD (not a @handle)")
        return value

    @field_validator("slack_channel")
    @classmethod
    def _check_channel(cls, value: str | None) -> str | None:
        if value is not None and not (value[:1] in "CGD" and value[1:].isalnum()):
            raise ValueError("must be a channel id such as C0123ABCD (not a #name)")
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

    @field_validator("slack_team_id", "slack_enterprise_id", "slack_app_id")
    @classmethod
    def _check_slack_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        first = {"slack_team_id": "T", "slack_enterprise_id": "E", "slack_app_id": "A"}[str(info.field_name)]
        if value is not None and not (value.startswith(first) and value.isalnum() and value.isupper()):
            raise ValueError(f"must be an id such as {first}0123ABCD, as Slack shows it (not a name)")
        return value

    @field_validator("slack_api_url", "teams_service_url", "teams_openid_metadata_url", "teams_login_url")
    @classmethod
    def _check_chat_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value
