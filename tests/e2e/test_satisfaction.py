"""Satisfaction end to end, on X through the real tweepy client against the local X, the real Bolt app over signed
HTTP, on the real PostgreSQL and Redis: a complaint moves to DMs, the customer answers privately, the case closes,
the one question is asked privately, the rating comes back and shows in `/squeaky stats` and the export; "stop"
ends private messages; `forget` erases the DMs and the rating."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.slack import action_ids
from sandbox.bluesky_api import LocalBluesky
from sandbox.interactions import post_command, post_event, slash_command
from sandbox.mastodon_api import LocalMastodon
from sandbox.slack_api import LocalSlack
from storage.sql.tables import complaints, messages
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start
from tests.e2e.test_agent_card import card_shows, click, new_card
from tests.e2e.test_networks import click as network_click
from tests.e2e.test_networks import on, poll
from tests.e2e.test_private_handoff import claimed, thread_of

pytestmark = pytest.mark.e2e
ALICE = "U0ALICE"  # an agent and a lead


@pytest.fixture
def squeaky(start_squeaky: Start, local_slack: LocalSlack) -> Running:
    local_slack.usergroups.update({"S0LEADS": [ALICE], "S0AGENTS": [ALICE]})
    return start_squeaky(slack_leads_group="S0LEADS", slack_agents_group="S0AGENTS")


def ask(squeaky: Running, words: str) -> str:
    """What /squeaky WORDS answers alice."""
    fields = slash_command(ALICE, "alice", words, CHANNEL, squeaky.slack.response_url())
    return json.dumps(post_command(squeaky.events_url, SIGNING_SECRET, fields).json(), ensure_ascii=False)


def customer_writes(squeaky: Running, text: str) -> None:
    """maria_k sends the brand a DM; ingest reads it."""
    squeaky.x.dms.add_event(squeaky.x.add_user("maria_k"), squeaky.x.brand_id, text)
    poll_once(squeaky.services, x_read_client(squeaky.settings))


def moved_to_dms(squeaky: Running) -> dict[str, Any]:
    card = new_card(squeaky)
    click(squeaky, "alice", card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs")
    return card


def test_a_complaint_walks_from_public_post_to_a_private_rating_in_stats_and_export(squeaky: Running) -> None:
    card = moved_to_dms(squeaky)
    customer_writes(squeaky, "Booking ref QX7, the red suitcase")
    thread_of(squeaky, card, "Booking ref QX7, the red suitcase")
    click(squeaky, "alice", card, action_ids.CLOSE)
    card_shows(squeaky, "Closed")
    squeaky.slack.wait_for(lambda: len(squeaky.x.dms.sent) == 2 or squeaky.work())
    question = squeaky.x.dms.sent[-1]
    assert "How did we do, from 1 (poor) to 5 (great)?" in question["text"] and squeaky.x.posted == []
    customer_writes(squeaky, "5")
    thread_of(squeaky, card, "answered privately: satisfaction 5 of 5")
    customer_writes(squeaky, "4")  # asked once, answered once: a second number is kept, not counted
    squeaky.work()

    stats = ask(squeaky, "stats today")
    assert "Moved offline: 1 of 1 closed cases (100%)" in stats
    assert "Time to the first private message: p50 " in stats and "p50 —" not in stats
    assert "1 of 1 answered (100%) · mean 5.0 · 100% satisfied" in stats
    assert "By agent: alice: 1 of 1" in stats and "By network: X: 1 of 1" in stats
    assert "By tier: standard: 1 of 1" in stats and "By topic: baggage: 1 of 1" in stats
    assert "squeaky-cases-" in ask(squeaky, "export today")
    dm = squeaky.slack.wait_for(lambda: [m for m in squeaky.slack.dm(ALICE) if m.get("files")])
    rows = squeaky.slack.files[dm[0]["files"][0]["id"]]["content"].decode().splitlines()
    assert rows[0].endswith(",private_handoff,csat_asked,csat_rating") and rows[1].endswith(",sent,yes,5")
    squeaky.slack.home_views.clear()  # the tab as it is drawn now, not as it was
    opened = {"type": "app_home_opened", "user": ALICE, "tab": "home", "channel": f"D{ALICE}"}
    assert post_event(squeaky.events_url, SIGNING_SECRET, opened).status_code == 200
    home = json.dumps(squeaky.slack.wait_for(lambda: squeaky.slack.home_views.get(ALICE)), ensure_ascii=False)
    assert "*Satisfaction this week*: 1 of 1 answered (100%) · mean 5.0 · 100% satisfied" in home


def test_stop_ends_private_messages_and_no_question_is_asked_on_close(squeaky: Running) -> None:
    card = moved_to_dms(squeaky)
    customer_writes(squeaky, "STOP")
    thread_of(squeaky, card, "STOP")
    click(squeaky, "alice", card, action_ids.CLOSE)
    card_shows(squeaky, "Closed")
    squeaky.work()
    assert len(squeaky.x.dms.sent) == 1  # the hand-off only
    second = new_card(squeaky, "@SqueakyAir and now my refund is late")
    click(squeaky, "alice", second, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", second, action_ids.PRIVATE)
    said = "This customer answered STOP: Squeaky never messages them privately again."
    squeaky.slack.wait_for(lambda: any(said in str(m) for m in squeaky.slack.ephemerals))
    assert len(squeaky.x.dms.sent) == 1


def test_forget_erases_the_private_messages_and_the_rating(squeaky: Running) -> None:
    card = moved_to_dms(squeaky)
    customer_writes(squeaky, "Booking ref QX7")
    thread_of(squeaky, card, "Booking ref QX7")
    click(squeaky, "alice", card, action_ids.CLOSE)
    card_shows(squeaky, "Closed")
    squeaky.slack.wait_for(lambda: len(squeaky.x.dms.sent) == 2 or squeaky.work())
    customer_writes(squeaky, "2")
    thread_of(squeaky, card, "satisfaction 2 of 5")
    answered = ask(squeaky, "forget @maria_k")
    assert "forget" in answered.lower()
    confirm = ask(squeaky, "forget @maria_k confirm")
    assert "rased" in confirm, confirm
    with squeaky.services.engine.connect() as connection:
        case = connection.execute(select(complaints.c.private_text, complaints.c.survey_rating)).one()
        texts = list(connection.execute(select(messages.c.text)).scalars())
    assert tuple(case) == (None, None)
    assert not any("QX7" in t or "How did we do" in t for t in texts)


@pytest.fixture
def on_networks(start_squeaky: Start, local_bluesky: LocalBluesky, local_mastodon: LocalMastodon) -> Running:
    return start_squeaky(**on(local_bluesky, local_mastodon))


def close_and_ask(squeaky: Running, card: dict[str, Any], asked: Callable[[], int]) -> None:
    """Close the card and wait for the question to go out (the second private message)."""
    network_click(squeaky, card, action_ids.CLOSE)
    card_shows(squeaky, "Closed")
    squeaky.slack.wait_for(lambda: asked() == 2 or squeaky.work())


def test_bluesky_and_mastodon_customers_are_asked_privately_and_their_ratings_counted(
    on_networks: Running, local_bluesky: LocalBluesky, local_mastodon: LocalMastodon
) -> None:
    squeaky = on_networks
    ann = local_bluesky.add_account("ann.bsky.social", "Ann")
    local_bluesky.chat.allow_incoming[ann] = "all"
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")
    sky = claimed(squeaky, "Bluesky")
    network_click(squeaky, sky, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs")
    close_and_ask(squeaky, sky, lambda: len(local_bluesky.chat.sent))
    assert "How did we do" in local_bluesky.chat.sent[-1]["text"] and local_bluesky.posted == []
    local_bluesky.chat.add_message(ann, local_bluesky.chat.convo_with(ann), "4")
    poll(squeaky, "Bluesky")
    thread_of(squeaky, sky, "answered privately: satisfaction 4 of 5")

    local_mastodon.add_status("bo@social.example", "@squeakyair my bag is lost too")
    toot = claimed(squeaky, "Mastodon")
    network_click(squeaky, toot, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs")
    close_and_ask(squeaky, toot, lambda: len(local_mastodon.posted))
    question = local_mastodon.posted[-1]
    assert question["visibility"] == "direct" and "How did we do" in question["text"]
    local_mastodon.add_status("bo@social.example", "@squeakyair 2", visibility="direct", in_reply_to=question["id"])
    poll(squeaky, "Mastodon")
    thread_of(squeaky, toot, "answered privately: satisfaction 2 of 5")

    fields = slash_command(ALICE, "alice", "stats today", CHANNEL, squeaky.slack.response_url())
    stats = json.dumps(post_command(squeaky.events_url, SIGNING_SECRET, fields).json(), ensure_ascii=False)
    assert "2 of 2 answered (100%) · mean 3.0 · 50% satisfied" in stats
    assert (
        "Bluesky: 1 of 1 answered (100%) · mean 4.0" in stats and "Mastodon: 1 of 1 answered (100%) · mean 2.0" in stats
    )
