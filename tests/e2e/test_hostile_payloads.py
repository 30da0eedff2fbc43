"""Hostile payloads through the real apps over HTTP, each with a real signature or token, so that only the
payload itself is wrong: oversized, nested past any sense, of the wrong types, naming buttons that do not exist.
Each gets a clear 4xx answer (never a 500, never a stack trace) and changes nothing. A modal's payloads count only
when sealed to whoever the modal was opened for."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from bot.slack import action_ids
from sandbox.interactions import _post, block_action, post_signed, view_submission
from storage.sql.tables import audit_events, complaints
from tests.e2e.conftest import CHANNEL, INTAKE_TOKEN, SIGNING_SECRET, Running, Start, teams_settings
from tests.e2e.test_agent_card import _complaint_id, card_shows, click, new_card, opened_view, submit
from tests.e2e.test_hostile import _card
from tests.e2e.test_teams import ALICE, arrive, complaint_of, words

pytestmark = pytest.mark.e2e
DEEP = 20_000  # nesting far past Python's recursion limit (and 120 KB: under every size limit)


def _nested(depth: int = DEEP) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def _changes(squeaky: Running) -> tuple[int, int]:
    with squeaky.services.engine.connect() as c:
        claimed = c.execute(select(func.count()).select_from(complaints).where(complaints.c.status != "new")).scalar()
        audited = c.execute(select(func.count()).select_from(audit_events)).scalar()
    return int(claimed or 0), int(audited or 0)


def test_slack_payloads_nested_oversized_or_unknown_get_a_clear_4xx(squeaky: Running) -> None:
    complaint_id, ts = _card(squeaky)
    before = _changes(squeaky)
    nested = _post(
        squeaky.events_url, SIGNING_SECRET, "payload=" + _nested(), "application/x-www-form-urlencoded", None
    )
    assert nested.status_code == 400 and "malformed payload" in nested.json()["error"], nested.text
    nested_event = _post(squeaky.events_url, SIGNING_SECRET, _nested(), "application/json", None)
    assert nested_event.status_code == 400, nested_event.text
    huge = block_action("U0EVE", "eve", action_ids.CLAIM, complaint_id, CHANNEL, ts)
    huge["padding"] = "x" * 3_000_000  # Slack's payloads are kilobytes; this is 3 MB
    oversized = post_signed(squeaky.events_url, SIGNING_SECRET, huge)
    assert oversized.status_code == 413 and "at most" in oversized.json()["error"], oversized.text
    unknown = block_action("U0EVE", "eve", "squeaky.no_such_button", complaint_id, CHANNEL, ts)
    assert post_signed(squeaky.events_url, SIGNING_SECRET, unknown).status_code == 404  # Bolt: no listener for it
    assert _changes(squeaky) == before


@pytest.fixture
def teams_squeaky(start_squeaky: Start, local_teams: Any) -> Running:
    """Squeaky with Teams alone."""
    return start_squeaky(**teams_settings(local_teams, oncall_user=None))


def test_teams_activities_nested_oversized_or_of_the_wrong_types_get_a_clear_4xx(teams_squeaky: Running) -> None:
    squeaky, teams = teams_squeaky, teams_squeaky.teams_client
    assert squeaky.teams is not None
    card = arrive(squeaky)
    complaint_id = complaint_of(card)
    before = _changes(squeaky)
    bearer = {"Authorization": f"Bearer {squeaky.teams.mint()}", "Content-Type": "application/json"}
    nested = requests.post(teams.endpoint, data=_nested(), headers=bearer, timeout=30)
    assert nested.status_code == 400 and "malformed activity" in nested.json()["error"], nested.text
    value = {"action": {"type": "Action.Execute", "verb": "claim", "data": {"complaint_id": complaint_id}}}
    click = teams.activity(ALICE, "invoke", name="adaptiveCard/action", value=value)
    oversized = teams.post(click | {"padding": "x" * 600_000})
    assert oversized.status_code == 413 and "at most" in oversized.json()["error"]
    wrong: dict[str, dict[str, Any]] = {
        "a sender that is text": click | {"from": "mallory"},
        "a conversation that is a list": click | {"conversation": ["19:care-channel@thread.tacv2"]},
        "a tenant that is a number": click | {"channelData": {"tenant": {"id": 42}}},
        "a value that is text": click | {"value": "claim"},
        "a verb that is an object": click | {"value": {"action": {"type": "Action.Execute", "verb": {"x": 1}}}},
        "a name that is a number": click | {"name": 7},
    }
    for what, activity in wrong.items():
        answer = teams.post(activity)
        assert 400 <= answer.status_code < 500, f"{what}: {answer.status_code} {answer.text}"
        assert "Traceback" not in answer.text and "Internal" not in answer.text, f"{what}: {answer.text}"
    unknown = teams.click(ALICE, card["id"], "launch_rockets", {"complaint_id": complaint_id})
    assert unknown.status_code == 200 and "not a button Squeaky knows" in words(unknown.json())
    assert _changes(squeaky) == before


def test_intake_bodies_nested_past_any_sense_get_a_clear_400(squeaky: Running) -> None:
    headers = {"Authorization": f"Bearer {INTAKE_TOKEN}", "Content-Type": "application/json"}
    answer = requests.post(f"{squeaky.url}/intake", data=_nested(), headers=headers, timeout=30)
    assert answer.status_code == 400 and "not JSON" in answer.json()["error"], answer.text
    assert squeaky.services.queue.pending() == 0
    json.loads(json.dumps({"ok": True}))  # the JSON module itself is unharmed for the next request


def test_a_modal_submitted_by_another_user_tampered_or_never_opened_is_refused(squeaky: Running) -> None:
    card = new_card(squeaky)
    complaint_id = _complaint_id(card)
    click(squeaky, "alice", card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", card, action_ids.ACKNOWLEDGE)
    alices = opened_view(squeaky, 1)  # the public reply form, opened for Alice
    answers = {"text:0": "Hi Maria, we are on it: DM us your booking reference."}

    def refused(user: str, view: dict[str, Any]) -> None:
        payload = view_submission(f"U0{user.upper()}", user, view, answers)
        answer = post_signed(squeaky.events_url, SIGNING_SECRET, payload)
        assert answer.status_code == 200, answer.text
        shown = answer.json()
        assert shown["response_action"] == "update" and "not opened for you" in json.dumps(shown["view"])

    refused("eve", alices)  # someone else's modal
    sealed = json.loads(alices["private_metadata"])
    tampered = {**sealed, "m": sealed["m"].replace(str(complaint_id), "999")}
    refused("alice", {**alices, "private_metadata": json.dumps(tampered)})  # her own, another complaint slipped in
    never_opened = {**alices, "id": "V0NEVER", "private_metadata": json.dumps({"complaint_id": int(complaint_id)})}
    refused("alice", never_opened)  # a modal Squeaky never opened, with bare metadata
    time.sleep(0.5)
    squeaky.work()
    assert squeaky.x.posted == [], "nothing was sent for a refused form"

    assert submit(squeaky, "alice", alices, answers) == {}  # the control: Alice's own, untouched
    squeaky.slack.wait_for(lambda: squeaky.work() or squeaky.x.posted)
