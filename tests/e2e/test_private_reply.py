"""Reply privately end to end: the owner answers the customer from the card in a Slack modal, through the real Bolt
app and tweepy/atproto/Mastodon.py against the local networks, on the real PostgreSQL and Redis; the answer goes
through the private conversation the case opened, once, and a refusal is said in the card's thread with its words."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.slack import action_ids
from sandbox.bluesky_api import LocalBluesky
from sandbox.interactions import block_action, post_signed
from sandbox.mastodon_api import LocalMastodon
from sandbox.x_dms import NOT_PERMITTED, conversation_of
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start, teams_settings
from tests.e2e.test_agent_card import card_shows, opened_view, submit
from tests.e2e.test_agent_card import click as x_click
from tests.e2e.test_networks import click, on
from tests.e2e.test_private_handoff import claimed, claimed_on_x, thread_of
from tests.e2e.test_teams import (
    ALICE,
    BOB,
    answered_card,
    arrive,
    complaint_of,
    dialog_card,
    now_shows,
    words,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def squeaky(start_squeaky: Start, local_bluesky: LocalBluesky, local_mastodon: LocalMastodon) -> Running:
    return start_squeaky(**on(local_bluesky, local_mastodon))


@pytest.fixture
def teams_squeaky(start_squeaky: Start, local_teams: Any) -> Running:
    """Squeaky with Teams alone."""
    return start_squeaky(**teams_settings(local_teams, oncall_user=None))


def moved_to_dms_on_x(squeaky: Running) -> dict[str, Any]:
    """An X card claimed by alice and moved to DMs: it offers Reply privately."""
    card = claimed_on_x(squeaky)
    x_click(squeaky, "alice", card, action_ids.PRIVATE)
    shown = card_shows(squeaky, "Reply privately")
    assert action_ids.PRIVATE_REPLY in shown and f'"{action_ids.PRIVATE}"' not in shown
    return card


def reply_privately(squeaky: Running, card: dict[str, Any], text: str, user: str = "alice") -> dict[str, Any]:
    """Click Reply privately on the card and send `text` from its modal; Slack's answer to the submission."""
    views = len(squeaky.slack.views)
    x_click(squeaky, user, card, action_ids.PRIVATE_REPLY)
    view = opened_view(squeaky, views + 1)
    assert view["callback_id"] == action_ids.PRIVATE_REPLY_VIEW
    return submit(squeaky, user, view, {"text": text})


def test_the_owner_answers_privately_on_x_through_the_same_conversation_once(squeaky: Running) -> None:
    card = moved_to_dms_on_x(squeaky)
    assert reply_privately(squeaky, card, "Found it: your bag lands at 6pm, we'll bring it to you.") == {}
    thread_of(squeaky, card, "answered the customer privately on X")
    squeaky.work()
    opening, answer = squeaky.x.dms.sent
    maria = squeaky.x.add_user("maria_k")
    assert answer["dm_conversation_id"] == opening["dm_conversation_id"] == conversation_of(squeaky.x.brand_id, maria)
    assert answer["text"] == "Found it: your bag lands at 6pm, we'll bring it to you."
    assert squeaky.x.posted == []  # nothing public
    squeaky.work()
    assert len(squeaky.x.dms.sent) == 2  # worked again: not sent twice


def test_a_private_answer_whose_dm_answer_was_lost_is_sent_once(squeaky: Running) -> None:
    card = moved_to_dms_on_x(squeaky)
    squeaky.x.slow_next("dm", 16)  # sent, answered after tweepy's timeout
    reply_privately(squeaky, card, "Your bag is on its way.")
    squeaky.slack.wait_for(lambda: squeaky.work() or len(squeaky.x.dms.sent) >= 2, 60)
    squeaky.work()
    assert [m["text"] for m in squeaky.x.dms.sent].count("Your bag is on its way.") == 1


def test_an_empty_private_answer_is_refused_in_the_modal_and_nothing_is_sent(squeaky: Running) -> None:
    card = moved_to_dms_on_x(squeaky)
    answer = reply_privately(squeaky, card, "   ")
    assert answer["response_action"] == "errors" and "Write the private message first." in answer["errors"]["text"]
    squeaky.work()
    assert len(squeaky.x.dms.sent) == 1


def test_only_the_owner_may_reply_privately(squeaky: Running) -> None:
    card = moved_to_dms_on_x(squeaky)
    views = len(squeaky.slack.views)
    complaint_id = json.dumps(card["blocks"]).split("complaint:", 1)[1].split('"', 1)[0]
    payload = block_action("U0BOB", "bob", action_ids.PRIVATE_REPLY, complaint_id, CHANNEL, card["ts"])
    assert post_signed(squeaky.events_url, SIGNING_SECRET, payload).status_code == 200
    squeaky.slack.wait_for(lambda: any("held by @alice" in str(m) for m in squeaky.slack.ephemerals))
    assert len(squeaky.slack.views) == views and len(squeaky.x.dms.sent) == 1


def test_x_refusing_the_private_answer_is_said_in_the_thread_with_its_words(squeaky: Running) -> None:
    card = moved_to_dms_on_x(squeaky)
    squeaky.x.dms.closed.add(squeaky.x.add_user("maria_k"))  # the customer closed their DMs since
    reply_privately(squeaky, card, "Here is your voucher code: QX-1234")
    lines = thread_of(squeaky, card, "could not send the private answer")
    assert NOT_PERMITTED.rstrip(".") in lines and "QX-1234" in lines  # the words are not lost
    assert len(squeaky.x.dms.sent) == 1


def test_the_owner_answers_privately_on_bluesky_and_mastodon(
    squeaky: Running, local_bluesky: LocalBluesky, local_mastodon: LocalMastodon
) -> None:
    ann = local_bluesky.add_account("ann.bsky.social", "Ann")
    local_bluesky.chat.allow_incoming[ann] = "all"
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")
    card = claimed(squeaky, "Bluesky")
    click(squeaky, card, action_ids.PRIVATE)
    card_shows(squeaky, "Reply privately")
    views = len(squeaky.slack.views)
    click(squeaky, card, action_ids.PRIVATE_REPLY)
    submit(squeaky, "alice", opened_view(squeaky, views + 1), {"text": "We found your red suitcase."})
    thread_of(squeaky, card, "answered the customer privately on Bluesky")
    squeaky.slack.wait_for(lambda: squeaky.work() or len(local_bluesky.chat.sent) >= 2)
    assert local_bluesky.chat.sent[1]["convoId"] == local_bluesky.chat.convo_with(ann)
    assert local_bluesky.chat.sent[1]["text"] == "We found your red suitcase." and local_bluesky.posted == []

    local_mastodon.add_status("ann@social.example", "@squeakyair my bag is lost")
    card = claimed(squeaky, "Mastodon")
    click(squeaky, card, action_ids.PRIVATE)
    card_shows(squeaky, "Reply privately")
    views = len(squeaky.slack.views)
    click(squeaky, card, action_ids.PRIVATE_REPLY)
    submit(squeaky, "alice", opened_view(squeaky, views + 1), {"text": "Your bag is at the desk."})
    squeaky.slack.wait_for(lambda: squeaky.work() or len(local_mastodon.posted) >= 2)
    answer = local_mastodon.posted[1]
    assert answer["visibility"] == "direct" and [m["acct"] for m in answer["mentions"]] == ["ann@social.example"]
    assert "Your bag is at the desk." in answer["text"]


# --- Teams: the same answer from a dialog --------------------------------------------------------------------------


def test_the_owner_answers_privately_from_a_teams_dialog(teams_squeaky: Running) -> None:
    squeaky, teams = teams_squeaky, teams_squeaky.teams_client
    card = arrive(squeaky)
    complaint_id = complaint_of(card)
    answered_card(teams.click(ALICE, card["id"], "claim", {"complaint_id": complaint_id}))
    teams.click(ALICE, card["id"], "private", {"complaint_id": complaint_id})
    now_shows(squeaky, card["id"], "Reply privately")
    opened = {"msteams": {"type": "task/fetch"}, "dialog_id": "private_reply", "complaint_id": complaint_id}
    refused = teams.open_dialog(BOB, card["id"], opened).json()["task"]  # not Bob's to answer
    assert (
        refused["value"] == "Sorry: Only the agent holding the claim can reply privately on this; it is held by @Alice."
    )
    assert "Goes to @maria_k alone" in words(dialog_card(teams.open_dialog(ALICE, card["id"], opened)))
    empty = {"dialog_id": "private_reply", "complaint_id": complaint_id, "step": "send", "text": " "}
    assert "Write the private message first." in words(dialog_card(teams.submit_dialog(ALICE, card["id"], empty)))
    answer = {**empty, "text": "Your bag lands at 6pm."}
    assert teams.submit_dialog(ALICE, card["id"], answer).json()["task"]["type"] == "message"
    squeaky.teams.wait_for(lambda: squeaky.work() or len(squeaky.x.dms.sent) >= 2)
    assert squeaky.x.dms.sent[1]["text"] == "Your bag lands at 6pm." and squeaky.x.posted == []
