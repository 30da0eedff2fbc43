"""A click shows at once, even while a flood of new cards is being posted: on Slack the clicked card is answered
through the click's response_url and updated for everyone by chat.update, whose budget new cards never spend; on
Teams the invoke is answered with the decided card, and the update for everyone takes the conversation's reserve,
which the flood's cards leave, so it goes out before the flood's later cards."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.slack import action_ids
from sandbox.interactions import block_action, post_signed
from sandbox.slack_limits import ChannelPostLimit
from sandbox.teams_activities import CHANNEL as TEAMS_CHANNEL
from sandbox.teams_activities import TeamsPerson
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start, teams_settings

pytestmark = [pytest.mark.e2e, pytest.mark.alone]
SLACK_FLOOD = 12  # at about one card a second
TEAMS_FLOOD = 60  # more than the 48 of a conversation's 60-in-30 s that new cards may take


WORDS = [
    *("bag", "lost", "refund", "seat", "delayed", "crew", "wifi", "meal", "gate", "lounge", "upgrade", "miles"),
    *("booking", "app", "checkin", "visa", "pet", "stroller", "wheelchair", "blanket", "legroom", "toilet"),
    *("charger", "screen", "boarding", "transfer", "voucher", "hotel", "taxi", "receipt", "invoice"),
]


def _flood(squeaky: Running, count: int) -> None:
    """`count` different complaints at once (not one incident: storm mode would hold their cards)."""
    for n in range(count):
        said = " ".join(WORDS[(n * k + k * k) % len(WORDS)] for k in range(1, 7))
        squeaky.x.add_tweet(f"traveller{n}", f"@SqueakyAir {said} #{n * 7919 % 1000}")
    poll_once(squeaky.services, x_read_client(squeaky.settings))


def _cards(squeaky: Running) -> list[dict[str, Any]]:
    return [m for m in squeaky.slack.channel_messages(CHANNEL) if not m.get("thread_ts") and m.get("metadata")]


def _complaint_of(message: dict[str, Any]) -> str:
    return str(next(b["block_id"].split(":")[1] for b in message["blocks"] if b.get("type") == "actions"))


def test_a_slack_claim_answers_the_clicker_and_updates_the_card_before_the_flood_is_out(
    start_squeaky: Start, local_slack: Any
) -> None:
    local_slack.post_limit = ChannelPostLimit(per_second=1.0, burst=2)  # Slack's own posting limit
    squeaky = start_squeaky()
    _flood(squeaky, SLACK_FLOOD)
    first = squeaky.slack.wait_for(lambda: _cards(squeaky)[:1], timeout=30)[0]
    ts = first["ts"]
    answer_at = local_slack.action_response_url(CHANNEL, ts)
    complaint_id = _complaint_of(first)
    click = block_action("U0ALICE", "alice", action_ids.CLAIM, complaint_id, CHANNEL, ts, response_url=answer_at)
    assert post_signed(squeaky.events_url, SIGNING_SECRET, click).status_code == 200

    def replaced() -> list[tuple[str, str, float]]:
        return [r for r in local_slack.replaced if r[:2] == (CHANNEL, ts)]

    [(_, _, answered_at)] = squeaky.slack.wait_for(replaced, timeout=20)  # the clicker's view, through response_url
    assert "Claimed by <@U0ALICE>" in json.dumps(local_slack.messages[(CHANNEL, ts)]["blocks"])

    def updated() -> list[Any]:
        calls = squeaky.slack.calls_to("chat.update")
        return [c for c in calls if c.params.get("ts") == ts and "Claimed by" in json.dumps(c.params.get("blocks"))]

    update = squeaky.slack.wait_for(updated, timeout=20)[0]  # everyone's card, through the outbox
    posts = [c for c in squeaky.slack.calls_to("chat.postMessage") if not c.params.get("thread_ts")]
    assert len([c for c in posts if c.at <= max(update.at, answered_at)]) < SLACK_FLOOD  # later cards still to go
    squeaky.slack.wait_for(lambda: len(_cards(squeaky)) == SLACK_FLOOD, timeout=60)  # and they all go out, once
    assert local_slack.post_limit.honoured  # and Squeaky never asked Slack again too early
    assert local_slack.update_limit is not None and local_slack.update_limit.honoured


def test_a_teams_claim_is_answered_with_the_decided_card_and_updated_before_the_flood_is_out(
    start_squeaky: Start, local_teams: Any
) -> None:
    squeaky = start_squeaky(**teams_settings(local_teams, oncall_user=None))
    teams = local_teams
    _flood(squeaky, TEAMS_FLOOD)
    ordinary = 48  # 60 in 30 s, 12 kept for what people wait on
    teams.wait_for(lambda: len(teams.posts(TEAMS_CHANNEL)) >= ordinary, timeout=60)
    first = teams.posts(TEAMS_CHANNEL)[0]
    data = {"complaint_id": _teams_complaint_of(first)}
    answer = squeaky.teams_client.click(TeamsPerson.named("Alice"), first["id"], "claim", data)
    assert answer.status_code == 200
    shown = json.dumps(answer.json()["value"])
    assert "Claimed by" in shown and "Alice" in shown  # the decided card, not a pending one
    assert '"verb": "release"' in shown and '"verb": "claim"' not in shown

    def updated() -> list[Any]:
        with teams.lock:
            return [
                c
                for c in teams.calls
                if c.method == "PUT" and c.activity_id == first["id"] and "Claimed by" in json.dumps(c.body)
            ]

    update = teams.wait_for(updated, timeout=20)[0]
    with teams.lock:
        cards = [c for c in teams.calls if c.method == "POST" and not (c.body or {}).get("replyToId")]
    # the flood's cards past the 48 new cards may take wait for the window to reopen; the claim's update does not
    assert len([c for c in cards if c.at <= update.at]) == ordinary < TEAMS_FLOOD
    assert not [r for r in teams.refusals if r[0] != "tenant"]  # and Teams never had to refuse Squeaky


def _teams_complaint_of(activity: dict[str, Any]) -> int:
    actions = activity["attachments"][0]["content"]["actions"]
    return int(next(a["data"]["complaint_id"] for a in actions if "complaint_id" in a.get("data", {})))
