"""The private hand-off end to end: "Move to DMs" on the card, through the real Bolt app over signed HTTP and the real
client libraries against the local networks, on the real PostgreSQL and Redis. The customer hears from the brand's
account privately, once; a refusal is shown on the card in the network's words, and the public reply stays offered."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.slack import action_ids
from sandbox.bluesky_api import LocalBluesky
from sandbox.bluesky_chat import FOLLOWERS_ONLY
from sandbox.interactions import block_action, post_signed
from sandbox.mastodon_api import LocalMastodon
from sandbox.x_dms import NOT_PERMITTED, conversation_of
from storage.sql.tables import messages
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start
from tests.e2e.test_agent_card import card_shows
from tests.e2e.test_agent_card import click as x_click
from tests.e2e.test_agent_card import new_card as x_card
from tests.e2e.test_networks import click, new_card, on, poll

pytestmark = pytest.mark.e2e


@pytest.fixture
def squeaky(start_squeaky: Start, local_bluesky: LocalBluesky, local_mastodon: LocalMastodon) -> Running:
    return start_squeaky(**on(local_bluesky, local_mastodon))


def claimed(squeaky: Running, network: str) -> dict[str, object]:
    """A new card from the network, claimed by alice."""
    card = new_card(squeaky, network)
    click(squeaky, card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    return card


def test_move_to_dms_on_mastodon_sends_one_direct_post_to_the_customer_alone(
    squeaky: Running, local_mastodon: LocalMastodon
) -> None:
    local_mastodon.add_account("bob@social.example")
    status = local_mastodon.add_status("ann@social.example", "@squeakyair my bag is lost, flight SQ12")
    card = claimed(squeaky, "Mastodon")
    assert action_ids.PRIVATE in json.dumps(card_shows(squeaky, "Move to DMs"))
    click(squeaky, card, action_ids.PRIVATE)
    shown = card_shows(squeaky, "Moved to DMs")
    assert f'"{action_ids.PRIVATE}"' not in shown and action_ids.PRIVATE_REPLY in shown  # sent: Reply privately instead
    [sent] = local_mastodon.posted
    assert sent["visibility"] == "direct" and sent["in_reply_to_id"] is None  # not under the public post
    assert [m["acct"] for m in sent["mentions"]] == ["ann@social.example"]  # it reaches the customer alone
    complaint_id = json.dumps(card["blocks"]).split("complaint:", 1)[1].split('"', 1)[0]
    assert f"case #{complaint_id}" in sent["text"] and sent["text"].startswith("@ann@social.example Hi ann")
    assert status["id"] != sent["id"]
    lines = json.dumps(squeaky.slack.thread(CHANNEL, str(card["ts"])))
    assert "moved this to a private conversation on Mastodon" in lines


def test_a_private_post_that_timed_out_is_sent_once(squeaky: Running, local_mastodon: LocalMastodon) -> None:
    local_mastodon.add_status("ann@social.example", "@squeakyair my bag is lost")
    card = claimed(squeaky, "Mastodon")
    local_mastodon.slow_next("post", 16)  # posted, answered after our 15 s timeout
    click(squeaky, card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs", timeout=60)
    assert len(local_mastodon.posted) == 1  # the retry sent the same Idempotency-Key: the same status came back


def test_mastodon_refusing_the_private_post_is_shown_and_the_public_reply_stays_offered(
    squeaky: Running, local_mastodon: LocalMastodon
) -> None:
    local_mastodon.add_status("ann@social.example", "@squeakyair my bag is lost")
    card = claimed(squeaky, "Mastodon")
    local_mastodon.fail_next("post", 422, {"error": "Validation failed: Text character limit of 500 exceeded"})
    click(squeaky, card, action_ids.PRIVATE)
    shown = card_shows(squeaky, "Mastodon refused the private message")
    assert "Text character limit of 500 exceeded" in shown and "Reply publicly instead." in shown
    assert action_ids.ACKNOWLEDGE in shown and action_ids.PRIVATE in shown  # both still offered
    assert local_mastodon.posted == []


def test_someone_else_cannot_move_my_case_to_dms(squeaky: Running, local_mastodon: LocalMastodon) -> None:
    local_mastodon.add_status("ann@social.example", "@squeakyair my bag is lost")
    card = claimed(squeaky, "Mastodon")
    complaint_id = json.dumps(card["blocks"]).split("complaint:", 1)[1].split('"', 1)[0]
    payload = block_action("U0BOB", "bob", action_ids.PRIVATE, complaint_id, CHANNEL, card["ts"])
    assert post_signed(squeaky.events_url, SIGNING_SECRET, payload).status_code == 200
    said = "Only the agent holding the claim can move this to DMs; it is held by @alice."
    squeaky.slack.wait_for(lambda: any(said in str(m) for m in squeaky.slack.ephemerals))
    squeaky.work()
    assert local_mastodon.posted == []


# --- X: direct messages through tweepy --------------------------------------------------------------------------


def claimed_on_x(squeaky: Running, text: str = "@SqueakyAir my bag never arrived, flight SQ212") -> dict[str, Any]:
    """A new X card from maria_k, claimed by alice."""
    card = x_card(squeaky, text)
    x_click(squeaky, "alice", card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    return card


def test_move_to_dms_on_x_sends_one_direct_message_to_the_customer(squeaky: Running) -> None:
    card = claimed_on_x(squeaky)
    x_click(squeaky, "alice", card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs")
    [sent] = squeaky.x.dms.sent
    maria = squeaky.x.add_user("maria_k")
    assert sent["dm_conversation_id"] == conversation_of(squeaky.x.brand_id, maria)
    complaint_id = json.dumps(card["blocks"]).split("complaint:", 1)[1].split('"', 1)[0]
    assert f"case #{complaint_id}" in sent["text"] and squeaky.x.posted == []  # nothing public


def test_x_refusing_a_dm_is_shown_in_xs_words_and_the_public_reply_is_offered(squeaky: Running) -> None:
    squeaky.x.dms.closed.add(squeaky.x.add_user("maria_k"))
    card = claimed_on_x(squeaky)
    x_click(squeaky, "alice", card, action_ids.PRIVATE)
    shown = card_shows(squeaky, "X refused the private message")
    assert f"{NOT_PERMITTED.rstrip('.')}. Reply publicly instead." in shown
    assert action_ids.ACKNOWLEDGE in shown and squeaky.x.dms.sent == []


def test_a_dm_whose_answer_was_lost_is_found_not_sent_again(squeaky: Running) -> None:
    card = claimed_on_x(squeaky)
    squeaky.x.slow_next("dm", 16)  # sent, answered after tweepy's timeout
    x_click(squeaky, "alice", card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs", timeout=60)
    assert len(squeaky.x.dms.sent) == 1


def test_x_rate_limiting_dms_holds_the_message_back_and_sends_it_once_the_window_resets(squeaky: Running) -> None:
    card = claimed_on_x(squeaky)
    squeaky.x.rate_limit_next("dm", reset_in=2)
    x_click(squeaky, "alice", card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs", timeout=30)
    assert len(squeaky.x.dms.sent) == 1


# --- Bluesky: chat through atproto, with the chat proxy header ----------------------------------------------------


def test_move_to_dms_on_bluesky_sends_one_chat_message_where_the_customer_lets_us(
    squeaky: Running, local_bluesky: LocalBluesky
) -> None:
    ann = local_bluesky.add_account("ann.bsky.social", "Ann")
    local_bluesky.chat.allow_incoming[ann] = "all"
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")
    card = claimed(squeaky, "Bluesky")
    click(squeaky, card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs")
    [sent] = local_bluesky.chat.sent
    assert sent["convoId"] == local_bluesky.chat.convo_with(ann) and "case #" in sent["text"]
    assert local_bluesky.posted == []  # nothing public


def test_bluesky_chat_refused_by_the_customers_setting_is_shown_and_the_public_reply_offered(
    squeaky: Running, local_bluesky: LocalBluesky
) -> None:
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")  # chat: people they follow
    card = claimed(squeaky, "Bluesky")
    click(squeaky, card, action_ids.PRIVATE)
    shown = card_shows(squeaky, "Bluesky refused the private message")
    assert f"{FOLLOWERS_ONLY}. Reply publicly instead." in shown and action_ids.ACKNOWLEDGE in shown
    assert local_bluesky.chat.sent == []


def test_a_chat_message_whose_answer_was_lost_is_found_not_sent_again(
    squeaky: Running, local_bluesky: LocalBluesky
) -> None:
    local_bluesky.chat.allow_incoming[local_bluesky.add_account("ann.bsky.social")] = "all"
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")
    card = claimed(squeaky, "Bluesky")
    local_bluesky.slow_next("chat.bsky.convo.sendMessage", 16)  # sent, answered after our timeout
    click(squeaky, card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs", timeout=60)
    assert len(local_bluesky.chat.sent) == 1


# --- The customer's private answers, read back onto the case ------------------------------------------------------


def thread_of(squeaky: Running, card: dict[str, Any], text: str, timeout: float = 20) -> str:
    """The card's thread once it shows `text`."""
    deadline = time.monotonic() + timeout
    while True:
        squeaky.work()
        lines = json.dumps(squeaky.slack.thread(CHANNEL, str(card["ts"])))
        if text in lines or time.monotonic() > deadline:
            assert text in lines, f"the thread never showed {text!r}: {lines}"
            return lines
        time.sleep(0.1)


def test_a_customers_dm_on_x_joins_the_case_in_the_cards_thread_only(squeaky: Running) -> None:
    card = claimed_on_x(squeaky)
    x_click(squeaky, "alice", card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs")
    cards_before = len(squeaky.slack.channel_messages(CHANNEL))
    squeaky.x.dms.add_event(squeaky.x.add_user("maria_k"), squeaky.x.brand_id, "My booking ref is QX7 &amp; seat 4A")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    lines = thread_of(squeaky, card, "My booking ref is QX7 &amp; seat 4A")  # escaped for Slack, once
    assert "*@maria_k* (answered privately: same conversation)" in lines
    assert len(squeaky.slack.channel_messages(CHANNEL)) == cards_before  # never in the channel itself


def test_a_dm_from_someone_without_an_open_case_is_kept_and_never_a_card(squeaky: Running) -> None:
    x_card(squeaky)  # a card is out, so the channel exists
    cards_before = len(squeaky.slack.channel_messages(CHANNEL))
    squeaky.x.dms.add_event(squeaky.x.add_user("someone_else"), squeaky.x.brand_id, "hello, private words")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    squeaky.work()
    assert len(squeaky.slack.channel_messages(CHANNEL)) == cards_before
    with squeaky.services.engine.connect() as connection:
        kept = connection.execute(select(messages.c.kind, messages.c.note).where(messages.c.text.contains("private")))
        assert [tuple(row) for row in kept] == [("filtered", "private message, no open case")]


def test_a_customers_chat_answer_on_bluesky_joins_the_conversation_squeaky_opened(
    squeaky: Running, local_bluesky: LocalBluesky
) -> None:
    ann = local_bluesky.add_account("ann.bsky.social", "Ann")
    local_bluesky.chat.allow_incoming[ann] = "all"
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")
    card = claimed(squeaky, "Bluesky")
    click(squeaky, card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs")
    local_bluesky.chat.add_message(ann, local_bluesky.chat.convo_with(ann), "It's a red suitcase, ref QX7")
    poll(squeaky, "Bluesky")
    lines = thread_of(squeaky, card, "It's a red suitcase, ref QX7")
    assert "answered privately: same conversation" in lines


def test_a_customers_direct_answer_on_mastodon_joins_the_case_it_answers(
    squeaky: Running, local_mastodon: LocalMastodon
) -> None:
    local_mastodon.add_status("ann@social.example", "@squeakyair my bag is lost")
    card = claimed(squeaky, "Mastodon")
    click(squeaky, card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs")
    [ours] = local_mastodon.posted
    local_mastodon.add_status(
        "ann@social.example", "@squeakyair red suitcase, ref QX7", visibility="direct", in_reply_to=ours["id"]
    )
    poll(squeaky, "Mastodon")
    lines = thread_of(squeaky, card, "red suitcase, ref QX7")
    assert "answered privately: reply in the thread" in lines


def test_with_the_x_dm_feed_off_no_dm_event_is_read(start_squeaky: Start) -> None:
    squeaky = start_squeaky(x_dm_feed=False)  # X bills each DM event read
    card = claimed_on_x(squeaky)
    x_click(squeaky, "alice", card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs")  # sending still works
    squeaky.x.dms.add_event(squeaky.x.add_user("maria_k"), squeaky.x.brand_id, "My booking ref is QX7")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    squeaky.work()
    with squeaky.services.engine.connect() as connection:
        assert connection.execute(select(messages.c.id).where(messages.c.text.contains("QX7"))).first() is None
