"""Only our own tenant and workspace get in, end to end: the real Teams SDK app and the real Bolt app over HTTP, a
valid Bot Framework token from another tenant and a validly signed Slack request from another workspace, each
refused before anything runs, with the same requests from our own tenant and workspace beside them as controls."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
import requests
from slack_bolt.request import BoltRequest
from sqlalchemy import func, select

from bot.config import SettingsError
from bot.slack import action_ids
from bot.slack.app import build_bolt_app
from sandbox.interactions import _post, block_action, post_command, post_event, post_signed, slash_command
from sandbox.teams_activities import TeamsClient, TeamsPerson
from storage.sql.tables import audit_events, complaints
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start, teams_settings
from tests.e2e.test_hostile import _card
from tests.e2e.test_teams import ALICE, LEAD, answered_card, arrive, complaint_of, words

pytestmark = pytest.mark.e2e
OUTSIDER_TENANT = "7e57e57e-0000-4000-8000-0000000c0de5"
MALLORY = TeamsPerson.named("Mallory")
TOLD = "SAID-ONLY-BY-THE-OUTSIDER"  # words an outsider sends: they must never reach the log


@pytest.fixture
def teams_squeaky(start_squeaky: Start, local_teams: Any) -> Running:
    """Squeaky with Teams alone, Lena a team lead."""
    return start_squeaky(**teams_settings(local_teams, teams_leads=[LEAD.aad_object_id], oncall_user=None))


def _claim_state(squeaky: Running, complaint_id: int) -> tuple[object, ...]:
    with squeaky.services.engine.connect() as c:
        row = c.execute(select(complaints.c.status, complaints.c.owner_name).where(complaints.c.id == complaint_id))
        claims = c.execute(
            select(func.count()).select_from(audit_events).where(audit_events.c.complaint_id == complaint_id)
        ).scalar()
    return (*row.one(), claims)


def _refusals(caplog: pytest.LogCaptureFixture, what: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if what in r.getMessage()]


def test_a_valid_token_from_another_tenant_is_refused_before_anything_runs(
    teams_squeaky: Running, caplog: pytest.LogCaptureFixture
) -> None:
    squeaky, ours = teams_squeaky, teams_squeaky.teams_client
    assert squeaky.teams is not None
    theirs = TeamsClient(squeaky.teams, ours.endpoint, tenant=OUTSIDER_TENANT)
    card = arrive(squeaky)
    complaint_id = complaint_of(card)
    before, calls = _claim_state(squeaky, complaint_id), len(squeaky.teams.calls)
    caplog.set_level(logging.INFO)

    claim = theirs.click(MALLORY, card["id"], "claim", {"complaint_id": complaint_id})
    assert claim.status_code == 403, claim.text
    assert claim.json()["type"] == "application/vnd.microsoft.error"
    assert "bag" not in claim.text and str(complaint_id) not in claim.text  # nothing of ours in the answer
    opened = {"msteams": {"type": "task/fetch"}, "dialog_id": "acknowledge", "complaint_id": complaint_id}
    assert theirs.open_dialog(MALLORY, card["id"], opened).status_code == 403
    reply = {"dialog_id": "acknowledge", "complaint_id": complaint_id, "step": "send", "text": TOLD}
    assert theirs.submit_dialog(MALLORY, card["id"], reply).status_code == 403
    for asked in (theirs.say(MALLORY, f"backlog {TOLD}"), theirs.say(MALLORY, "backlog", personal=True)):
        assert asked.status_code == 200 and not asked.content  # a message gets no answer at all
    assert theirs.install(MALLORY).status_code == 200
    value = {"action": {"type": "Action.Execute", "verb": "claim", "data": {"complaint_id": complaint_id}}}
    half = ours.activity(MALLORY, "invoke", name="adaptiveCard/action", value=value)
    half["channelData"]["tenant"]["id"] = OUTSIDER_TENANT  # one of the two tenant fields is ours: still refused
    assert ours.post(half).status_code == 403
    nameless = ours.activity(MALLORY, "message", text="backlog")
    del nameless["conversation"]["tenantId"], nameless["channelData"]["tenant"]
    assert ours.post(nameless).status_code == 200

    time.sleep(1.0)  # an answer that was going to be posted has had time to go
    squeaky.work()
    assert _claim_state(squeaky, complaint_id) == before, "the outsider changed nothing"
    assert len(squeaky.teams.calls) == calls, "no call to Teams was made for the outsider"
    with squeaky.services.uow_factory() as uow:
        assert not dict(uow.team.installation("teams")), "the outsider's install taught Squeaky nothing"
    logged = _refusals(caplog, "from another tenant")
    assert len(logged) == 1 and OUTSIDER_TENANT in logged[0], logged  # once, naming the tenant, rate-limited
    assert _refusals(caplog, "naming no tenant"), "an activity naming no tenant is refused too"
    assert TOLD not in caplog.text, "the outsider's words never reach the log"

    # the positive control: the same requests from our own tenant work
    assert ours.say(LEAD, "backlog", personal=True).status_code == 200
    chat = f"a:1:{LEAD.user_id}"
    squeaky.teams.wait_for(lambda: any(f"#{complaint_id}" in words(a) for a in squeaky.teams.posts(chat)))
    mine = answered_card(ours.click(ALICE, card["id"], "claim", {"complaint_id": complaint_id}))
    assert "Claimed by" in words(mine) and "Alice" in words(mine)


def test_a_valid_token_naming_an_unknown_bot_connector_is_refused(teams_squeaky: Running) -> None:
    squeaky, ours = teams_squeaky, teams_squeaky.teams_client
    assert squeaky.teams is not None
    card = arrive(squeaky)
    complaint_id = complaint_of(card)
    value = {"action": {"type": "Action.Execute", "verb": "claim", "data": {"complaint_id": complaint_id}}}
    elsewhere = "https://smba.evil.example/teams/"
    activity = ours.activity(ALICE, "invoke", name="adaptiveCard/action", value=value) | {"serviceUrl": elsewhere}
    calls = len(squeaky.teams.calls)
    refused = ours.post(activity, serviceurl=elsewhere)  # the token names that address too: only the list stops it
    assert refused.status_code == 403, refused.text
    assert _claim_state(squeaky, complaint_id)[:2] == ("new", None) and len(squeaky.teams.calls) == calls
    control = ours.activity(ALICE, "invoke", name="adaptiveCard/action", value=value)
    assert "Claimed by" in words(answered_card(ours.post(control)))


def test_a_signed_request_from_another_workspace_or_app_is_refused(
    squeaky: Running, caplog: pytest.LogCaptureFixture
) -> None:
    complaint_id, ts = _card(squeaky)
    caplog.set_level(logging.INFO)
    before = _claim_state(squeaky, int(complaint_id))
    chat_calls = len(squeaky.slack.calls)
    elsewhere = block_action("U0EVE", "eve", action_ids.CLAIM, complaint_id, CHANNEL, ts, team_id="T0OTHER")
    other_app = block_action("U0EVE", "eve", action_ids.CLAIM, complaint_id, CHANNEL, ts) | {"api_app_id": "A0OTHER"}
    command = slash_command("U0EVE", "eve", f"backlog {TOLD}", CHANNEL, squeaky.slack.response_url())
    home = {"type": "app_home_opened", "user": "U0EVE", "tab": "home", "channel": "D0EVE"}
    answers = {
        "a click from another workspace": post_signed(squeaky.events_url, SIGNING_SECRET, elsewhere),
        "a click naming another app": post_signed(squeaky.events_url, SIGNING_SECRET, other_app),
        "a command from another workspace": post_command(
            squeaky.events_url, SIGNING_SECRET, command | {"team_id": "T0OTHER"}
        ),
        "an event from another workspace": post_event(squeaky.events_url, SIGNING_SECRET, home, team_id="T0OTHER"),
    }
    for what, answer in answers.items():
        assert answer.status_code == 403, f"{what}: {answer.status_code} {answer.text}"
        assert "backlog" not in answer.text and complaint_id not in answer.text
    time.sleep(0.5)  # anything a listener might have started has had time to write
    assert _claim_state(squeaky, int(complaint_id)) == before
    assert len(squeaky.slack.calls) == chat_calls, [c.method for c in squeaky.slack.calls[chat_calls:]]
    assert len(_refusals(caplog, "from another workspace")) == 1 and "T0OTHER" in caplog.text
    assert _refusals(caplog, "naming another app") and TOLD not in caplog.text

    # the positive control: the same click from our own workspace claims the card
    ours = block_action("U0EVE", "eve", action_ids.CLAIM, complaint_id, CHANNEL, ts)
    assert post_signed(squeaky.events_url, SIGNING_SECRET, ours).status_code == 200
    squeaky.slack.wait_for(lambda: _claim_state(squeaky, int(complaint_id))[0] == "claimed" or squeaky.work())


def test_socket_mode_refuses_another_workspace_too(squeaky: Running) -> None:
    """Over Socket Mode nothing is signed: the app and workspace a payload names are all there is to check."""
    complaint_id, ts = _card(squeaky)
    app = build_bolt_app(squeaky.services)
    elsewhere = block_action("U0EVE", "eve", action_ids.CLAIM, complaint_id, CHANNEL, ts, team_id="T0OTHER")
    assert app.dispatch(BoltRequest(mode="socket_mode", body=elsewhere)).status == 403
    time.sleep(0.5)
    assert _claim_state(squeaky, int(complaint_id))[:2] == ("new", None)
    ours = block_action("U0EVE", "eve", action_ids.CLAIM, complaint_id, CHANNEL, ts)
    assert app.dispatch(BoltRequest(mode="socket_mode", body=ours)).status == 200
    squeaky.slack.wait_for(lambda: _claim_state(squeaky, int(complaint_id))[0] == "claimed" or squeaky.work())


def test_the_enterprise_grid_organisation_is_checked_when_installed_org_wide(start_squeaky: Start) -> None:
    squeaky = start_squeaky(slack_team_id=None, slack_enterprise_id="E0SQUEAKY")
    complaint_id, ts = _card(squeaky)
    click = block_action("U0EVE", "eve", action_ids.CLAIM, complaint_id, CHANNEL, ts, team_id="T0ANYWS")
    other_org = click | {"enterprise": {"id": "E0OTHER", "name": "Other"}, "is_enterprise_install": True}
    assert post_signed(squeaky.events_url, SIGNING_SECRET, other_org).status_code == 403
    assert post_signed(squeaky.events_url, SIGNING_SECRET, click).status_code == 403  # no organisation named
    ours = click | {"enterprise": {"id": "E0SQUEAKY", "name": "Squeaky"}, "is_enterprise_install": True}
    assert post_signed(squeaky.events_url, SIGNING_SECRET, ours).status_code == 200
    squeaky.slack.wait_for(lambda: _claim_state(squeaky, int(complaint_id))[0] == "claimed" or squeaky.work())


def test_the_production_web_process_serves_no_sandbox_page(squeaky: Running) -> None:
    """The sandbox page and its controls live in `sandbox/` (which the product never imports): here, only 404s."""
    for path in ("/", "/index.html", "/static/workspace.js", "/static/workspace.html", "/files/a.png", "/ui/state"):
        answer = requests.get(squeaky.url + path, timeout=10)
        assert answer.status_code == 404 and answer.headers["Content-Type"] == "application/json", path
        assert "<html" not in answer.text.lower()
    for path in ("/ui/click", "/ui/submit", "/ui/teams/click", "/ui/command"):
        assert requests.post(squeaky.url + path, json={"user": "U0LEA"}, timeout=10).status_code == 404, path


def test_slacks_own_checks_still_get_through_the_workspace_gate(squeaky: Running) -> None:
    """Slack's URL verification and SSL check name no app or workspace: Bolt answers them before the gate."""
    challenge = {
        "token": "legacy",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    answer = _post(squeaky.events_url, SIGNING_SECRET, json.dumps(challenge), "application/json", None)
    assert answer.status_code == 200 and challenge["challenge"] in answer.text
    ssl_check = _post(
        squeaky.events_url, SIGNING_SECRET, "ssl_check=1&token=legacy", "application/x-www-form-urlencoded", None
    )
    assert ssl_check.status_code == 200


def test_a_workspace_id_that_is_not_the_tokens_is_said_at_start(
    start_squeaky: Start, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong SLACK_TEAM_ID would refuse the care team itself: the web process says so as it starts."""
    caplog.set_level(logging.INFO)
    start_squeaky()
    assert "SLACK_BOT_TOKEN belongs to" not in caplog.text
    start_squeaky(slack_team_id="T0ELSEWHERE")
    assert "SLACK_TEAM_ID is T0ELSEWHERE, but SLACK_BOT_TOKEN belongs to T0SQUEAKY" in caplog.text
    assert "Set SLACK_TEAM_ID to T0SQUEAKY" in caplog.text


def test_a_web_process_started_while_slack_fails_boots_and_serves_once_slack_is_back(
    start_squeaky: Start, local_slack: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack answering 503 as a web process starts (a restart during Slack's outage) is no reason to stay down."""
    local_slack.fail_for(1.5, 503, {"ok": False, "error": "service_unavailable"})
    squeaky = start_squeaky()
    assert "could not ask Slack which workspace the bot token belongs to" in caplog.text
    time.sleep(1.6)  # Slack is back
    _id, ts = _card(squeaky)
    squeaky.slack.usergroups.clear()  # no agents group named: anyone in the workspace is on the team
    click = block_action("U0ANN", "ann", action_ids.CLAIM, "claim:1", CHANNEL, ts)
    assert post_signed(squeaky.events_url, SIGNING_SECRET, click).status_code == 200
    squeaky.slack.wait_for(lambda: _claimed_after_work(squeaky))


def _claimed_after_work(squeaky: Running) -> bool:
    squeaky.work()  # the worker decides the queued click
    with squeaky.services.engine.connect() as connection:
        return connection.execute(select(complaints.c.status)).scalar() == "claimed"


def test_a_bot_token_slack_refuses_stops_the_web_process_with_one_line(start_squeaky: Start) -> None:
    """A revoked or mistyped token is not an outage: the process says which setting to fix instead of serving."""
    with pytest.raises(SettingsError, match=r"SLACK_BOT_TOKEN is refused by Slack \(invalid_auth\)"):
        start_squeaky(slack_bot_token="xoxb-revoked")
