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
from sandbox.server import Request, Response
from sandbox.teams_activities import CHANNEL as TEAMS_CHANNEL
from storage.sql.tables import audit_events, complaints
from tests.e2e.conftest import CHANNEL, INTAKE_TOKEN, SIGNING_SECRET, Running, Start, teams_settings
from tests.e2e.test_agent_card import (
    WEBHOOK_SECRET,
    WebhookReceiver,
    _complaint_id,
    card_shows,
    click,
    new_card,
    opened_view,
    submit,
)
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


class HostileTicketing(WebhookReceiver):
    """A ticketing webhook that answers 201 with a ticket number and address made to hurt whoever shows them."""

    def handle(self, request: Request) -> Response:
        super().handle(request)
        return Response(201, {"number": "<!channel> <@U0LEA> *WH-1* " + "x" * 5000, "url": "javascript:alert(1)"})


def test_hostile_names_handles_links_and_ticket_answers_stay_words_in_slack_and_teams(
    start_squeaky: Start, local_teams: Any
) -> None:
    ticketing = HostileTicketing()
    ticketing.start()
    try:
        squeaky = start_squeaky(
            **teams_settings(local_teams, slack=True),
            ticket_system="webhook",
            ticket_webhook_url=ticketing.url,
            ticket_webhook_secret=WEBHOOK_SECRET,
        )
        teams = squeaky.teams_client
        assert squeaky.teams is not None
        post = {
            "source": "webchat",
            "id": "hostile-1",
            "author": {
                "id": "m1",
                "handle": "<!here>mallory<@U0LEA>",
                "name": "<!channel> <https://evil.example|Support>",
            },
            "text": "my refund <at>Lena Lead</at> <!everyone> [click](https://evil.example/a) <https://evil.example/b|bank>",
            "created_at": "2026-11-22T09:00:00Z",
            "url": "https://evil.example/c",
        }
        headers = {"Authorization": f"Bearer {INTAKE_TOKEN}", "Content-Type": "application/json"}
        assert requests.post(f"{squeaky.url}/intake", json=post, headers=headers, timeout=10).status_code == 202
        slack = squeaky.slack.wait_for(lambda: squeaky.work() or squeaky.slack.channel_messages(CHANNEL))[-1]
        card = squeaky.teams.wait_for(lambda: squeaky.work() or squeaky.teams.posts(TEAMS_CHANNEL))[-1]
        complaint_id = complaint_of(card)
        assert teams.click(ALICE, card["id"], "claim", {"complaint_id": complaint_id}).ok
        reply = {"dialog_id": "acknowledge", "complaint_id": complaint_id, "step": "send", "text": "We are on it."}
        teams.submit_dialog(ALICE, card["id"], reply)
        ticket = {"dialog_id": "ticket", "complaint_id": complaint_id, "step": "send", "subject": "Refund"}
        assert teams.submit_dialog(ALICE, card["id"], {**ticket, "priority": "high", "notes": "", "contact": ""}).ok
        squeaky.slack.wait_for(
            lambda: squeaky.work() or "Ticket &lt;!channel&gt;" in json.dumps(squeaky.slack.channel_messages(CHANNEL))
        )

        with squeaky.services.engine.connect() as c:
            row = c.execute(
                select(complaints.c.ticket_status, complaints.c.ticket_number, complaints.c.ticket_url)
            ).one()
        assert row.ticket_status == "sent" and row.ticket_url is None, "created, its javascript: address dropped"
        assert row.ticket_number.startswith("<!channel> <@U0LEA> *WH-1* xxx") and len(row.ticket_number) == 64
        shown_in_slack = json.dumps(next(m for m in squeaky.slack.channel_messages(CHANNEL) if m["ts"] == slack["ts"]))
        for pinged in ("<!here>", "<!channel>", "<!everyone>", "<@U0LEA>", "|Support>", "<https://evil.example/b|"):
            assert pinged not in shown_in_slack, f"{pinged} reached the Slack card as markup"
        assert "x" * 100 not in shown_in_slack, "the ticket number is clipped"
        shown_in_teams = next(a for a in squeaky.teams.posts(TEAMS_CHANNEL) if a["id"] == card["id"])
        teams_card = json.dumps(shown_in_teams)
        assert "javascript:" not in teams_card and "x" * 100 not in teams_card
        assert not shown_in_teams["attachments"][0]["content"]["msteams"].get("entities"), "no mention was made"
        links = [a for e in shown_in_teams["attachments"][0]["content"]["body"] for a in _links(e)]
        assert all(not url.startswith("https://evil.example/a") and not url.startswith("https://evil.example/b")
                   for url in links), links  # fmt: skip
    finally:
        ticketing.stop()


def _links(element: Any) -> list[str]:
    """Every address an Adaptive Card element (and what it holds) opens."""
    found: list[str] = []
    if isinstance(element, dict):
        action = element.get("selectAction") or {}
        if isinstance(action, dict) and isinstance(action.get("url"), str):
            found.append(action["url"])
        for value in element.values():
            found += _links(value)
    elif isinstance(element, list):
        for value in element:
            found += _links(value)
    return found
