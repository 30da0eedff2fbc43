"""A storm noticed by what it says, end to end: 200 near-identical complaints posted on X within six seconds, on a
queue with the default one-hour service level, read by the poller over two pages, become a storm summary naming the
cluster within 15 seconds, with a handful of cards at most; the incident reply offered reaches exactly them."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.slack import action_ids
from sandbox.interactions import block_action, post_signed
from sandbox.slack_api import LocalSlack
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Start

pytestmark = pytest.mark.e2e
SAID = (
    "@SqueakyAir the phone lines are down, nobody answers",
    "@SqueakyAir phone lines are down?? nobody answers",
    "@SqueakyAir your phone lines are down and nobody answers!",
    "@SqueakyAir Phone lines DOWN, nobody answers @SqueakyHelp",
)


def test_two_hundred_near_identical_complaints_become_a_named_storm_within_fifteen_seconds(
    start_squeaky: Start, local_slack: LocalSlack
) -> None:
    local_slack.usergroups.update({"S0LEADS": ["U0LEA"], "S0AGENTS": ["U0LEA"]})
    squeaky = start_squeaky(slack_leads_group="S0LEADS", slack_agents_group="S0AGENTS")
    squeaky.x.add_tweet("first_customer", "@SqueakyAir before it all: my seat was changed without asking")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    squeaky.slack.wait_for(lambda: squeaky.slack.channel_messages(CHANNEL) or squeaky.work())
    start = datetime.now(UTC) - timedelta(seconds=6)
    for n in range(200):  # "phone lines are down": 200 in 6 s
        squeaky.x.add_tweet(f"caller{n:03d}", SAID[n % len(SAID)], created_at=start + timedelta(seconds=n * 0.03))

    began = time.monotonic()
    assert poll_once(squeaky.services, x_read_client(squeaky.settings)) == 200

    def summary() -> dict | None:  # type: ignore[type-arg]
        found = [m for m in squeaky.slack.channel_messages(CHANNEL) if "Storm mode on" in json.dumps(m)]
        return found[-1] if found else None

    message = squeaky.slack.wait_for(summary, timeout=15)
    took = time.monotonic() - began
    shown = json.dumps(message, ensure_ascii=False)
    assert took <= 15, took
    assert "Similar complaints: “the phone lines are down, nobody answers”: " in shown
    cards = [m for m in squeaky.slack.channel_messages(CHANNEL) if "caller" in json.dumps(m) and m is not message]
    assert len(cards) <= 10, len(cards)  # not 71 cards in 74 s: at most those posted before the surge was seen

    # the incident acknowledgement the summary offers reaches exactly the cluster
    [ack_all] = [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Acknowledge all"
    ]
    lead = block_action("U0LEA", "lea", action_ids.INCIDENT, ack_all["value"], CHANNEL, message["ts"])
    assert post_signed(squeaky.events_url, SIGNING_SECRET, lead).status_code == 200
    slack = squeaky.slack
    view = slack.wait_for(lambda: [v for v in slack.views if v.get("callback_id") == action_ids.INCIDENT_VIEW])[0]
    shown = json.dumps(view, ensure_ascii=False)
    assert "Reaches 200 of 200 complaints" in shown  # not the customer who wrote before it all
