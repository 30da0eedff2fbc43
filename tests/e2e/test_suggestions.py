"""Suggested replies end to end: learned from the team's past replies in the database, shown above the templates
in Slack's reply modal and Teams' reply dialog, picked into the text, counted and sent as typed text is."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.slack import action_ids
from handlers.domain.suggestions import PastReply
from sandbox.interactions import post_signed, view_action
from sandbox.x_api import LocalX
from storage.sql.engine import make_engine
from storage.sql.migrate import upgrade
from storage.sql.reply_history import SqlReplyHistory
from tests.e2e.conftest import SIGNING_SECRET, Start, teams_settings
from tests.e2e.test_agent_card import card_shows, click, new_card, opened_view, submit
from tests.e2e.test_teams import ALICE, arrive, complaint_of, dialog_card, words

pytestmark = pytest.mark.e2e
DM = "https://x.com/messages/compose"
PAST = [
    PastReply(
        "care", "my suitcase never arrived at the belt", "So sorry about your bag, {name}. Case {case}: DM us {dm_link}"
    ),
    PastReply("care", "lost my bag on the flight", "We will find your bag, {name}! Tell us the tag number in a DM."),
    PastReply("care", "refund for my cancelled ticket", "Refunds take five working days, {name}."),
    PastReply("other", "my bag never arrived", "Another queue's words, never shown to care."),
]


def _learned(pg_url: str, local_x: LocalX) -> None:
    """The team's past replies, in the database before Squeaky starts (it learns them as it starts)."""
    upgrade(pg_url)
    engine = make_engine(pg_url)
    SqlReplyHistory(engine).add(PAST, origin="test")
    engine.dispose()
    local_x.add_user("maria_k", "Maria Kowalski")


def test_the_slack_modal_suggests_replies_and_one_picked_is_sent(
    start_squeaky: Start, pg_url: str, local_x: LocalX
) -> None:
    _learned(pg_url, local_x)
    squeaky = start_squeaky()
    card = new_card(squeaky)
    complaint_id = next(b["block_id"].split(":")[1] for b in card["blocks"] if b.get("type") == "actions")
    click(squeaky, "alice", card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", card, action_ids.ACKNOWLEDGE)
    view = opened_view(squeaky, 1)
    blocks = [b.get("block_id") for b in view["blocks"]]
    assert blocks.index("suggestion") < blocks.index("template"), "suggestions come above the templates"
    expected = f"So sorry about your bag, Maria. Case {complaint_id}: DM us {DM}"
    shown = json.dumps(view)
    assert expected in shown and "We will find your bag, Maria!" in shown and "Another queue" not in shown

    menu = next(b for b in view["blocks"] if b.get("block_id") == "suggestion")
    first = menu["element"]["options"][0]["value"]
    picked = view_action("U0ALICE", "alice", view, action_ids.REPLY_SUGGESTION, "suggestion", {"text:0": ""}, first)
    assert post_signed(squeaky.events_url, SIGNING_SECRET, picked).status_code == 200

    def redrawn() -> dict[str, Any] | None:
        now = squeaky.slack.views[0]
        box = next((b for b in now["blocks"] if b.get("block_id") == "text:1"), None)
        return now if box and box["element"]["initial_value"] == expected else None

    updated = squeaky.slack.wait_for(redrawn)
    assert f"*{len(expected) - len(DM) + 23}/280*" in json.dumps(updated)  # counted the X way: the link is 23
    assert submit(squeaky, "alice", updated, {"text:1": expected}) == {}
    reply = squeaky.slack.wait_for(lambda: squeaky.work() or squeaky.x.posted)
    assert reply[0]["text"] == expected.replace(DM, "") + reply[0]["text"].rsplit(" ", 1)[1]  # X wraps the link
    assert reply[0]["text"].rsplit(" ", 1)[1].startswith("https://t.co/")


def test_with_no_history_the_modal_says_so(start_squeaky: Start) -> None:
    squeaky = start_squeaky()
    card = new_card(squeaky)
    click(squeaky, "alice", card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", card, action_ids.ACKNOWLEDGE)
    assert "No suggestions yet" in json.dumps(opened_view(squeaky, 1))


def test_switched_off_the_modal_shows_no_suggestions(start_squeaky: Start, pg_url: str, local_x: LocalX) -> None:
    _learned(pg_url, local_x)
    off = start_squeaky(suggestions="off")
    card = new_card(off)
    click(off, "bob", card, action_ids.CLAIM)
    card_shows(off, "Claimed by <@U0BOB>")
    click(off, "bob", card, action_ids.ACKNOWLEDGE)
    shown = json.dumps(opened_view(off, 1))
    assert "Reply on X" in shown and "suggest" not in shown.lower() and "So sorry about your bag" not in shown


def test_the_teams_dialog_suggests_replies_and_one_picked_fills_the_text(
    start_squeaky: Start, local_teams: Any, pg_url: str, local_x: LocalX
) -> None:
    _learned(pg_url, local_x)
    squeaky = start_squeaky(**teams_settings(local_teams, oncall_user=None))
    teams = squeaky.teams_client
    card = arrive(squeaky)
    complaint_id = complaint_of(card)
    teams.click(ALICE, card["id"], "claim", {"complaint_id": complaint_id})
    opened = {"msteams": {"type": "task/fetch"}, "dialog_id": "acknowledge", "complaint_id": complaint_id}
    dialog = dialog_card(teams.open_dialog(ALICE, card["id"], opened))
    ids = [e.get("id") for e in dialog["body"]]
    assert ids.index("suggestion") < ids.index("template") < ids.index("text")
    expected = f"So sorry about your bag, Maria. Case {complaint_id}: DM us {DM}"
    assert expected in words(dialog) and "Another queue" not in words(dialog)

    use = {
        "dialog_id": "acknowledge",
        "complaint_id": complaint_id,
        "step": "suggestion",
        "suggestion": "0",
        "text": "",
    }
    again = dialog_card(teams.submit_dialog(ALICE, card["id"], use))
    box = next(e for e in again["body"] if e.get("id") == "text")
    assert box["value"] == expected and f"{len(expected) - len(DM) + 23}/280" in words(again)
