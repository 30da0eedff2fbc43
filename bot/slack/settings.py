"""Slack's settings: who Squeaky is in Slack, which workspace it serves, where its cards go and at what pace."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings


class SlackSettings(BaseSettings):
    """SLACK_* and ONCALL_USER. Secrets are SecretStr: they never show in logs or reprs."""

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
    slack_web_click_threads: int = Field(
        0,
        ge=0,
        description="clicks each web process decides at once right after their ack (0: workers decide every click)",
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
    slack_agents_group: str | None = Field(
        None, description="the Slack user group (S…) of the care team; unset: anyone who sees a card may act on it"
    )
    slack_leads_group: str | None = Field(
        None, description="the Slack user group (S…) of team leads: they reassign claims and change team settings"
    )
    oncall_user: str | None = Field(
        None, description="the Slack user (U…) on call when no roster is set (`/squeaky oncall`): escalations and pings"
    )

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

    @field_validator("slack_team_id", "slack_enterprise_id", "slack_app_id")
    @classmethod
    def _check_slack_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        first = {"slack_team_id": "T", "slack_enterprise_id": "E", "slack_app_id": "A"}[str(info.field_name)]
        if value is not None and not (value.startswith(first) and value.isalnum() and value.isupper()):
            raise ValueError(f"must be an id such as {first}0123ABCD, as Slack shows it (not a name)")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _check_slack_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("oncall_user")
    @classmethod
    def _check_user(cls, value: str | None) -> str | None:
        if value is not None and not (value[:1] in "UW" and value[1:].isalnum()):
            raise ValueError("must be a user id such as U0123ABCD (not a @name)")
        return value
