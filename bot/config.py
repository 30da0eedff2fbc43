"""Settings from the environment (and an optional .env file), with a one-line message for each missing or bad one."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import SettingsConfigDict

from bot.chat_tools import ToolSettings, chat_tools, enabled_tools
from bot.networks import NetworkSettings
from handlers.domain.people import Identity
from storage.sql.engine import DEFAULT_URL


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and says what it is for."""


class Settings(ToolSettings, NetworkSettings):  # type: ignore[misc]  # (pydantic plugin: two merged models)
    """Every setting Squeaky reads, each chat tool's and each network's own among them (bot.chat_tools,
    bot.networks). Secrets are SecretStr: they never show in logs or reprs."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    database_url: str = Field(DEFAULT_URL, description="where complaints are stored (PostgreSQL URL, or SQLite)")
    db_pool_size: int = Field(
        5, ge=1, le=200, description="database connections each process keeps open (PostgreSQL; see docs/scaling.md)"
    )
    db_max_overflow: int = Field(5, ge=0, le=200, description="connections a process may open beyond DB_POOL_SIZE")
    db_pgbouncer: bool = Field(
        False, description="PostgreSQL is reached through PgBouncer in transaction mode: prepare no statements"
    )
    outbox_retention_days: float = Field(
        7, gt=0, description="days a delivered (or given up) outbox message is kept before it is deleted"
    )
    audit_detail_retention_days: float = Field(
        90, gt=0, description="days the audit trail keeps its details (texts, reasons); who did what, when, stays"
    )
    redis_url: str | None = Field(None, description="Redis for coordinating several processes (unset: in-process)")
    port: int = Field(3000, ge=1, le=65535, description="the HTTP port the web process listens on")
    bind_address: str = Field(
        "0.0.0.0", min_length=1, description="the address the web process listens on (127.0.0.1: this machine only)"
    )
    web_concurrency: int = Field(2, ge=1, le=64, description="web worker processes under gunicorn")

    intake_token: SecretStr | None = Field(
        None, description="the bearer token other channels send to POST /intake (unset: the intake is off)"
    )
    intake_requests_per_minute: float = Field(
        120.0,
        gt=0,
        description="requests a minute POST /intake takes per token (each up to 500 posts); more get 429 with "
        "Retry-After, in every web process together",
    )
    claim_deadline_minutes: float = Field(
        15.0, gt=0, description="minutes a claim may stay unacknowledged before it goes back to the queue"
    )
    reply_templates: str = Field("config/replies.toml", description="the public reply templates file")
    suggestions: bool = Field(True, description="suggest replies learned from the team's answered cases; off: none")
    topic_model: bool = Field(True, description="learn topics from answered cases beside the keyword rules; off: rules")
    topic_confidence: float = Field(
        0.6, gt=0, le=1, description="how sure the learned topic model must be to decide instead of the rules"
    )
    llm_api_url: str | None = Field(
        None, description="an OpenAI-compatible chat completions endpoint for reply drafts (unset: no Draft button)"
    )
    llm_api_key: SecretStr | None = Field(None, description="the key the drafting endpoint takes (Bearer)")
    llm_model: str = Field("gpt-4o-mini", min_length=1, description="the model drafts are asked of")
    llm_timeout_seconds: float = Field(10.0, gt=0, le=60, description="how long a draft may take before giving up")
    llm_requests_per_minute: float = Field(60, gt=0, description="drafts asked in a minute at most, every process")
    ticket_system: Literal["builtin", "zendesk", "webhook"] = Field(
        "builtin", description="where tickets go: builtin (Squeaky's database), zendesk or webhook"
    )
    public_url: str | None = Field(None, description="Squeaky's public address, for links to built-in tickets")
    ticket_link_minutes: float = Field(
        5.0, gt=0, le=60, description="minutes an Open ticket link to a built-in ticket's page works"
    )
    zendesk_subdomain: str | None = Field(None, description="the Zendesk subdomain (yours.zendesk.com)")
    zendesk_email: str | None = Field(None, description="the Zendesk agent email the API token belongs to")
    zendesk_api_token: SecretStr | None = Field(None, description="the Zendesk API token")
    zendesk_url: str | None = Field(None, description="the Zendesk base URL, if not https://SUBDOMAIN.zendesk.com")
    ticket_webhook_url: str | None = Field(None, description="where the webhook ticketing system receives tickets")
    ticket_webhook_secret: SecretStr | None = Field(
        None, description="the shared secret that signs webhook tickets (HMAC-SHA256)"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="how much Squeaky logs: DEBUG adds every pause of an outbox lane for pacing"
    )
    stream_reclaim_seconds: float = Field(
        60.0, gt=0, description="seconds before a worker takes over stream entries a dead worker left unacknowledged"
    )
    team_timezone: str = Field(
        "UTC", description="the care team's time zone (IANA name, e.g. Europe/Berlin): for today and hand-offs"
    )
    oncall_handoff_hour: int = Field(9, ge=0, le=23, description="the local hour an on-call rotation hands off at")
    sla_leads_after_minutes: float = Field(
        15.0, gt=0, description="minutes after on-call is paged before the lead group is called on in the channel"
    )
    pagerduty_routing_key: SecretStr | None = Field(
        None, description="a PagerDuty Events API v2 routing key: page through PagerDuty instead of Slack DMs"
    )
    pagerduty_events_url: str = Field(
        "https://events.pagerduty.com/v2/enqueue", description="the PagerDuty Events API v2 address"
    )
    spike_window_minutes: int = Field(10, ge=1, le=1440, description="the window spike detection counts over")
    spike_ratio: float = Field(3.0, gt=1, description="how many times its usual rate a topic must reach to spike")
    spike_min_count: int = Field(10, ge=1, description="the fewest complaints in the window that can make a spike")
    triage_config: str = Field(
        "config/triage.toml", description="the triage policy file: topics, noise rules, priority, threading"
    )
    queues_config: str = Field(
        "config/queues.toml",
        description="the queue policy file: queues, what each takes, its channels, service levels, business hours "
        "and lead group",
    )

    @field_validator("team_timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone name such as Europe/Berlin or America/New_York") from None
        return value

    @field_validator(
        "zendesk_url",
        "ticket_webhook_url",
        "public_url",
        "pagerduty_events_url",
        "llm_api_url",
    )
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def drafts_on(self) -> bool:
        """Whether reply drafts are set up (an endpoint and its key)."""
        return bool(self.llm_api_url and self.llm_api_key)

    @property
    def chat_surfaces(self) -> tuple[str, ...]:
        """The chat tools that are on (bot.chat_tools): each one any of whose settings are set."""
        return tuple(tool.name for tool in enabled_tools(self))

    @property
    def fallback_on_call(self) -> Identity | None:
        """Who is on call when no roster is set: the first chat tool's that names someone (ONCALL_USER)."""
        return next((who for tool in chat_tools() if (who := tool.fallback_on_call(self)) is not None), None)

    @property
    def link_secret(self) -> SecretStr | None:
        """The secret that signs short-lived links to ticket pages: the first chat tool's that has one set."""
        return next((secret for tool in chat_tools() if (secret := tool.link_secret(self)) is not None), None)

    def secret_values(self) -> list[str]:
        """Every secret value set, for masking in logs (tokens, and passwords inside URLs)."""
        values = [v.get_secret_value() for v in self.__dict__.values() if isinstance(v, SecretStr)]
        for url in (self.database_url, self.redis_url):
            password = urlsplit(url).password if url else None
            values.append(password or "")
        return [v for v in values if v]

    def require(self, *names: str, why: str | None = None) -> None:
        """Stop with a SettingsError naming the first of `names` that is unset (and `why` it is needed here)."""
        for name in names:
            value = getattr(self, name)
            if value is None or value == [] or (isinstance(value, SecretStr) and not value.get_secret_value()):
                reason = f" ({why})" if why else ""
                raise SettingsError(
                    f"{name.upper()} is not set: {_describe(name)}{reason}. Set it in the environment or in .env."
                )


def _describe(name: str) -> str:
    field = Settings.model_fields[name]
    return field.description or name


def load_settings() -> Settings:
    """Read the settings, turning pydantic's report into one line that names the bad setting."""
    try:
        return Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "?"
        reason = error["msg"].removeprefix("Value error, ")
        described = f" ({_describe(name)})" if name in Settings.model_fields else ""
        raise SettingsError(f"{name.upper()} is malformed{described}: {reason}.") from None
