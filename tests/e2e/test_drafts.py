"""Reply drafts end to end, through the real Slack and Teams apps against the local chat completions endpoint: the
modal opens at once with a Draft button and the draft arrives after, by views.update; the Teams dialog's Draft
submit comes back with it. The prompt holds no other customer's handle, name or words; a refusal leaves the agent
with the suggestions and says why."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.ingest import poll_once
from bot.slack import action_ids
from bot.x.network import x_read_client
from sandbox.interactions import post_signed, view_action
from sandbox.llm_api import PATH, RATE_LIMITED, LocalChatCompletions
from sandbox.x_api import LocalX
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start, teams_settings
from tests.e2e.test_agent_card import card_shows, click, new_card, opened_view, submit
from tests.e2e.test_suggestions import DM, PAST, _learned
from tests.e2e.test_teams import ALICE, arrive, complaint_of, dialog_card, words

pytestmark = pytest.mark.e2e


@pytest.fixture
def drafting() -> Iterator[LocalChatCompletions]:
    """The local chat completions endpoint."""
    server = LocalChatCompletions()
    server.start()
    yield server
    server.stop()


def _with_drafts(start: Start, drafting: LocalChatCompletions, **more: Any) -> Running:
    return start(llm_api_url=drafting.endpoint, llm_api_key=more.pop("key", drafting.key), **more)


def _open_reply(squeaky: Running, user: str = "alice") -> tuple[str, dict[str, Any]]:
    """Another customer posts first (their case stays out of Maria's prompt); then Maria's card, claimed, its reply
    modal open."""
    squeaky.x.add_user("zoe_q", "Zoe Quist")
    squeaky.x.add_tweet("zoe_q", "@SqueakyAir zoe here: my refund for order ZX9981 never came")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    squeaky.slack.wait_for(lambda: squeaky.slack.channel_messages(CHANNEL) or squeaky.work())
    card = new_card(squeaky)
    complaint_id = next(b["block_id"].split(":")[1] for b in card["blocks"] if b.get("type") == "actions")
    click(squeaky, user, card, action_ids.CLAIM)
    card_shows(squeaky, f"Claimed by <@U0{user.upper()}>")
    click(squeaky, user, card, action_ids.ACKNOWLEDGE)
    return complaint_id, opened_view(squeaky, 1)


def _ask_draft(squeaky: Running, view: dict[str, Any], typed: str) -> None:
    pressed = view_action("U0ALICE", "alice", view, action_ids.REPLY_DRAFT, "draft", {"text:0": typed}, "draft")
    assert post_signed(squeaky.events_url, SIGNING_SECRET, pressed).status_code == 200


def _note(squeaky: Running, starts: str) -> dict[str, Any]:
    def noted() -> dict[str, Any] | None:
        now = squeaky.slack.views[0]
        note = next((b for b in now["blocks"] if b.get("block_id") == "draft_note"), None)
        return now if note and starts in note["elements"][0]["text"] else None

    found: dict[str, Any] = squeaky.slack.wait_for(noted)
    return found


def test_the_slack_modal_opens_with_a_draft_button_and_the_draft_arrives_after(
    start_squeaky: Start, pg_url: str, local_x: LocalX, drafting: LocalChatCompletions
) -> None:
    _learned(pg_url, local_x)
    squeaky = _with_drafts(start_squeaky, drafting)
    complaint_id, view = _open_reply(squeaky)
    assert not drafting.prompts, "opening the modal asks no model: it opens inside Slack's 3 s"
    assert any(b.get("block_id") == "draft" for b in view["blocks"])

    _ask_draft(squeaky, view, "")
    updated = _note(squeaky, "Drafted by the assistant")
    suggestion = f"So sorry about your bag, Maria. Case {complaint_id}: DM us {DM}"
    expected = f"Hi Maria, thanks for your patience. {suggestion}"
    box = next(b for b in updated["blocks"] if b.get("block_id") == "text:1")
    assert box["element"]["initial_value"] == expected
    assert f"*{len(expected) - len(DM) + 23}/280*" in json.dumps(updated), "counted the X way"
    assert suggestion in json.dumps(updated), "the suggestions stay beside the draft"

    prompt = "\n".join(m["content"] for m in drafting.prompts[0])
    assert "my bag never arrived, flight SQ212" in prompt and "Maria" in prompt and suggestion in prompt
    assert "Warm, brief and plain" in prompt, "the tone guide of config/replies.toml"
    others = ("zoe", "Zoe", "Quist", "ZX9981", "maria_k", "Kowalski", *(p.complaint for p in PAST[:3]), PAST[3].reply)
    for other in others:
        assert other not in prompt, f"{other!r} is another customer's (or another queue's) and leaked into the prompt"

    assert submit(squeaky, "alice", updated, {"text:1": expected}) == {}
    reply = squeaky.slack.wait_for(lambda: squeaky.work() or squeaky.x.posted)
    assert reply[0]["text"].startswith("Hi Maria, thanks for your patience. So sorry about your bag, Maria.")


def test_a_rate_limited_model_leaves_the_text_and_the_suggestions_and_says_so(
    start_squeaky: Start, pg_url: str, local_x: LocalX, drafting: LocalChatCompletions
) -> None:
    _learned(pg_url, local_x)
    squeaky = _with_drafts(start_squeaky, drafting)
    _complaint_id, view = _open_reply(squeaky)
    drafting.fail_next(PATH, 429, RATE_LIMITED, {"Retry-After": "30"})
    _ask_draft(squeaky, view, "my own words so far")
    updated = _note(squeaky, "No draft: the drafting model is rate limited: try again in 30 s.")
    box = next(b for b in updated["blocks"] if b.get("block_id", "").startswith("text:"))
    assert box["element"]["initial_value"] == "my own words so far"
    assert any(b.get("block_id") == "suggestion" for b in updated["blocks"])

    _ask_draft(squeaky, updated, "my own words so far")  # the lane is held for the Retry-After: no second call
    _note(squeaky, "No draft: drafts are paced: try again in")
    assert len(drafting.requests) == 1


def test_a_refused_key_says_so(start_squeaky: Start, local_x: LocalX, drafting: LocalChatCompletions) -> None:
    squeaky = _with_drafts(start_squeaky, drafting, key="sk-not-the-key")
    _complaint_id, view = _open_reply(squeaky)
    _ask_draft(squeaky, view, "")
    _note(squeaky, "No draft: the drafting model refused our key (HTTP 401).")


def test_without_the_settings_there_is_no_draft_button(start_squeaky: Start) -> None:
    plain = start_squeaky()
    card = new_card(plain)
    click(plain, "bob", card, action_ids.CLAIM)
    card_shows(plain, "Claimed by <@U0BOB>")
    click(plain, "bob", card, action_ids.ACKNOWLEDGE)
    shown = json.dumps(opened_view(plain, 1))
    assert "Reply on X" in shown and "Draft a reply" not in shown


def test_the_teams_dialog_comes_back_with_the_draft(
    start_squeaky: Start, local_teams: Any, pg_url: str, local_x: LocalX, drafting: LocalChatCompletions
) -> None:
    _learned(pg_url, local_x)
    squeaky = _with_drafts(start_squeaky, drafting, **teams_settings(local_teams, oncall_user=None))
    teams = squeaky.teams_client
    card = arrive(squeaky)
    complaint_id = complaint_of(card)
    teams.click(ALICE, card["id"], "claim", {"complaint_id": complaint_id})
    opened = {"msteams": {"type": "task/fetch"}, "dialog_id": "acknowledge", "complaint_id": complaint_id}
    dialog = dialog_card(teams.open_dialog(ALICE, card["id"], opened))
    assert "Draft a reply" in words(dialog) and not drafting.prompts

    asked = {"dialog_id": "acknowledge", "complaint_id": complaint_id, "step": "draft", "text": "typed"}
    again = dialog_card(teams.submit_dialog(ALICE, card["id"], asked))
    expected = f"Hi Maria, thanks for your patience. So sorry about your bag, Maria. Case {complaint_id}: DM us {DM}"
    box = next(e for e in again["body"] if e.get("id") == "text")
    assert box["value"] == expected and "Drafted by the assistant" in words(again)
    assert f"{len(expected) - len(DM) + 23}/280" in words(again)

    drafting.answer_with("Hi Maria, " + "we are truly sorry " * 30)
    too_long = dialog_card(teams.submit_dialog(ALICE, card["id"], asked))
    box = next(e for e in too_long["body"] if e.get("id") == "text")
    assert (
        box["value"] == "typed" and "too long for X" in words(too_long) and "So sorry about your bag" in words(too_long)
    )
