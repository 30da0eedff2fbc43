"""Tenant and workspace isolation, rule by rule: which activities and requests are ours, what the settings demand
before a process starts, and the refusal log that an outsider cannot flood."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.config import Settings, SettingsError
from bot.refusals import RefusalLog, printable
from bot.slack.tenancy import WorkspaceGate
from bot.startup_checks import check_settings
from bot.teams.settings import BOT_CONNECTOR_ORIGINS, origin_of
from bot.teams.tenancy import TenantGate

OURS = "0f1e2d3c-0000-4000-8000-00000000cafe"
CONNECTOR = "https://smba.trafficmanager.net/emea/"


def activity(conversation_tenant: str | None = OURS, data_tenant: str | None = OURS, **more: Any) -> dict[str, Any]:
    """An activity as Teams shapes it, naming the given tenants."""
    conversation: dict[str, Any] = {"id": "19:care@thread.tacv2"}
    if conversation_tenant is not None:
        conversation["tenantId"] = conversation_tenant
    data: dict[str, Any] = {} if data_tenant is None else {"tenant": {"id": data_tenant}}
    return {"type": "invoke", "serviceUrl": CONNECTOR, "conversation": conversation, "channelData": data, **more}


@pytest.mark.parametrize(
    ("what", "sent", "refused"),
    [
        ("ours, in both fields", activity(), None),
        ("ours, in capitals", activity(OURS.upper(), OURS.upper()), None),
        ("ours, in the conversation only", activity(data_tenant=None), None),
        ("another tenant in both", activity("evil", "evil"), "another tenant"),
        ("another tenant in channelData", activity(data_tenant="evil"), "another tenant"),
        ("another tenant in the conversation", activity(conversation_tenant="evil"), "another tenant"),
        ("no tenant at all", activity(None, None), "no tenant"),
        (
            "a tenant that is not text",
            activity(conversation_tenant=None, data_tenant=None) | {"channelData": {"tenant": {"id": ["0f1e"]}}},
            "no tenant",
        ),
        ("an unknown Bot Connector", activity(serviceUrl="https://smba.evil.example/"), "unknown serviceUrl"),
        (
            "a look-alike host",
            activity(serviceUrl="https://smba.trafficmanager.net.evil.example/"),
            "unknown serviceUrl",
        ),
        ("plain http to Microsoft", activity(serviceUrl="http://smba.trafficmanager.net/"), "unknown serviceUrl"),
        (
            "credentials in the address",
            activity(serviceUrl="https://u:p@smba.trafficmanager.net/"),
            "unknown serviceUrl",
        ),
        ("no serviceUrl", activity(serviceUrl=None), "unknown serviceUrl"),
    ],
)
def test_only_our_tenant_and_microsofts_connector_get_in(what: str, sent: dict[str, Any], refused: str | None) -> None:
    gate = TenantGate(OURS, list(BOT_CONNECTOR_ORIGINS))
    assert gate.why_refused(sent) == refused, what


@pytest.mark.parametrize(
    ("team", "enterprise", "sent", "refused"),
    [
        ("T0OURS", None, ("A0OURS", "T0OURS", None), None),
        ("T0OURS", None, ("A0OURS", "T0OURS", "E0ANY"), None),  # our workspace inside a Grid organisation
        ("T0OURS", None, ("A0OURS", "T0OTHER", None), "another workspace"),
        ("T0OURS", None, ("A0OURS", None, None), "another workspace"),
        ("T0OURS", None, ("A0OTHER", "T0OURS", None), "another app"),
        ("T0OURS", None, (None, "T0OURS", None), "another app"),
        (None, "E0OURS", ("A0OURS", "T0ANY", "E0OURS"), None),  # org-wide: any of our organisation's workspaces
        (None, "E0OURS", ("A0OURS", None, "E0OURS"), None),
        (None, "E0OURS", ("A0OURS", "T0ANY", "E0OTHER"), "another organisation"),
        (None, "E0OURS", ("A0OURS", "T0ANY", None), "another organisation"),
        ("T0OURS", "E0OURS", ("A0OURS", "T0OTHER", "E0OURS"), "another workspace"),
        ("T0OURS", "E0OURS", ("A0OURS", None, "E0OURS"), None),  # an org-level payload names no workspace
    ],
)
def test_only_our_app_and_workspace_get_in(
    team: str | None, enterprise: str | None, sent: tuple[Any, Any, Any], refused: str | None
) -> None:
    assert WorkspaceGate("A0OURS", team, enterprise).why_refused(*sent) == refused


def test_refusals_are_logged_once_a_minute_per_outsider(caplog: pytest.LogCaptureFixture) -> None:
    refusals = RefusalLog(logging.getLogger("test.refusals"), every=60.0)
    caplog.set_level(logging.INFO)
    logged = [refusals.refused("a request from another tenant", "evil") for _ in range(50)]
    assert logged == [True] + [False] * 49
    assert refusals.refused("a request from another tenant", "other") is True  # another outsider: its own line
    assert [r.getMessage() for r in caplog.records] == [
        "refused a request from another tenant: evil",
        "refused a request from another tenant: other",
    ]
    quick = RefusalLog(logging.getLogger("test.refusals"), every=0.0)
    quick.refused("x", "evil")
    assert quick.refused("x", "evil") is True


def test_an_outsiders_id_is_logged_short_and_on_one_line() -> None:
    assert printable("evil\r\nrefused a Teams activity: ours") == "evil??refused a Teams activity: ours"
    assert len(printable("x" * 10_000)) == 80 and printable("") == "(none)" and printable(None) == "None"


def test_the_allowed_service_urls_are_origins() -> None:
    assert origin_of("HTTPS://SMBA.trafficmanager.net:443/teams/") == "https://smba.trafficmanager.net"
    assert origin_of("http://127.0.0.1:4567/") == "http://127.0.0.1:4567"
    assert origin_of("ftp://smba.trafficmanager.net/") is None and origin_of("not a url") is None
    settings = Settings(_env_file=None, teams_allowed_service_urls="https://smba.trafficmanager.net/amer/, http://h:1")
    assert settings.teams_allowed_service_urls == ["https://smba.trafficmanager.net", "http://h:1"]


TEAMS_ON = {"teams_app_id": "app", "teams_app_password": "pw", "redis_url": "redis://h"}
SLACK_ON = {"slack_bot_token": "xoxb-1", "slack_channel": "C0CARE", "slack_signing_secret": "s", "redis_url": "r://"}


@pytest.mark.parametrize(
    ("values", "process", "first_words"),
    [
        (TEAMS_ON, "worker", "TEAMS_TENANT_ID is not set"),
        (
            TEAMS_ON | {"teams_tenant_id": OURS, "teams_service_url": "https://smba.evil.example/"},
            "web",
            "TEAMS_SERVICE_URL is not one of TEAMS_ALLOWED_SERVICE_URLS",
        ),
        (SLACK_ON, "web", "SLACK_APP_ID is not set"),
        (SLACK_ON | {"slack_app_id": "A0OURS"}, "web", "SLACK_TEAM_ID is not set"),
        (
            SLACK_ON | {"slack_app_id": "A0OURS", "slack_app_token": "xapp-1", "slack_signing_secret": None},
            "web",
            "SLACK_TEAM_ID is not set",
        ),  # Socket Mode too
    ],
)
def test_a_process_does_not_start_without_naming_its_tenant_and_workspace(
    values: dict[str, Any], process: Any, first_words: str
) -> None:
    with pytest.raises(SettingsError) as info:
        check_settings(Settings(_env_file=None, **values), process)
    assert str(info.value).startswith(first_words) and "\n" not in str(info.value)


def test_our_own_tenant_and_workspace_named_the_processes_start() -> None:
    teams = Settings(_env_file=None, **TEAMS_ON, teams_tenant_id=OURS, teams_service_url=CONNECTOR)
    slack = Settings(_env_file=None, **SLACK_ON, slack_app_id="A0OURS", slack_enterprise_id="E0OURS")
    for settings in (teams, slack):
        check_settings(settings, "web")


@pytest.mark.parametrize(("name", "value"), [("SLACK_TEAM_ID", "squeaky"), ("SLACK_APP_ID", "T0SQUEAKY")])
def test_a_workspace_or_app_named_by_anything_but_its_id_is_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    from bot.config import load_settings

    monkeypatch.setenv(name, value)
    monkeypatch.chdir("/")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert str(info.value).startswith(f"{name} is malformed") and "as Slack shows it" in str(info.value)
