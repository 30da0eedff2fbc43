"""Slack's history limits as a commercially distributed app not approved for the Marketplace meets them (since
2025-05-29: conversations.history once a minute, 15 messages a call): the real slack-sdk client against a stand-in
that enforces them. A card is found after a lost answer from what was recorded around its post; only an uncertain
post reads history, a window of seconds around it, within the limits."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient

from bot.slack.gateway import SlackChatGateway
from bot.slack.refs import ts_of
from handlers.cases.card_view import card_for
from handlers.domain.card import CardView
from handlers.domain.complaint import Complaint, Status
from handlers.ports.gateways import DeliveryFailed
from sandbox.bluesky_api import LocalBluesky
from sandbox.mastodon_api import LocalMastodon
from sandbox.slack_api import LocalSlack
from sandbox.slack_limits import HistoryLimit
from storage.memory.keys import MemoryValues
from storage.rate_limit import WindowRateLimiter
from tests.e2e.conftest import CHANNEL, Start
from tests.e2e.test_networks import new_card, on, poll

pytestmark = pytest.mark.e2e


def _card(complaint_id: int) -> CardView:
    t = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    return card_for(Complaint(complaint_id, "x", "1", "9", "ann", "Ann", "late", t, t, Status.NEW, 1), t)


def _gateway(slack: LocalSlack, timeout: int = 10) -> SlackChatGateway:
    client = WebClient(token=slack.token, base_url=f"{slack.url}/api/", timeout=timeout)
    limiter = WindowRateLimiter("memory://")
    return SlackChatGateway(client, CHANNEL, limiter, post_burst=10, values=MemoryValues(), distribution="distributed")


def test_a_card_slack_answered_for_is_found_without_reading_history(local_slack: LocalSlack) -> None:
    local_slack.history_limit = HistoryLimit()
    gateway, since = _gateway(local_slack), datetime.now(UTC)
    ref = gateway.post_card("", _card(7))
    assert gateway.find_card("", 7, since) == ref  # posted, and the answer kept: no need to look
    local_slack.fail_next("chat.postMessage", 200, {"ok": False, "error": "not_in_channel"})
    with pytest.raises(DeliveryFailed):
        gateway.post_card("", _card(8))
    assert gateway.find_card("", 8, since) is None  # Slack said no: nothing was posted
    assert local_slack.calls_to("conversations.history") == []


def test_an_uncertain_post_is_found_within_a_distributed_apps_history_limits(local_slack: LocalSlack) -> None:
    local_slack.history_limit = HistoryLimit()
    gateway, since = _gateway(local_slack, timeout=1), datetime.now(UTC)
    local_slack.slow_next("chat.postMessage", 2)  # posted, answered after the client's timeout
    with pytest.raises(DeliveryFailed) as lost:
        gateway.post_card("", _card(7))
    assert lost.value.outage
    [card] = local_slack.wait_for(lambda: local_slack.channel_messages(CHANNEL))
    local_slack.later(300)  # the lane waited out Slack's trouble; the channel went on meanwhile
    chatter = WebClient(token=local_slack.token, base_url=f"{local_slack.url}/api/")
    for n in range(40):
        chatter.chat_postMessage(channel=CHANNEL, text=f"chatter {n}")
    found = gateway.find_card("", 7, since)
    assert found is not None and ts_of(found) == card["ts"]
    assert len(local_slack.calls_to("conversations.history")) == 1  # one call of at most 15, around the post
    local_slack.slow_next("chat.postMessage", 2)
    with pytest.raises(DeliveryFailed):
        gateway.post_card("", _card(8))
    with pytest.raises(DeliveryFailed) as paced:  # the minute's one call is spent: wait, do not ask
        gateway.find_card("", 8, since)
    assert paced.value.throttled and 50 < (paced.value.retry_after or 0) <= 60
    assert len(local_slack.calls_to("conversations.history")) == 1 and local_slack.history_limit.refusals == []


def test_a_retried_card_post_reads_no_history_on_the_normal_path(
    start_squeaky: Start, local_bluesky: LocalBluesky, local_mastodon: LocalMastodon
) -> None:
    squeaky = start_squeaky(**on(local_bluesky, local_mastodon), slack_app_distribution="distributed")
    squeaky.slack.history_limit = HistoryLimit()
    squeaky.slack.rate_limit_next("chat.postMessage", retry_after=1)  # Slack said: not now
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")
    started = time.monotonic()
    new_card(squeaky, "Bluesky")
    squeaky.work()
    assert len(squeaky.slack.channel_messages(CHANNEL)) == 1
    assert squeaky.slack.calls_to("conversations.history") == []  # Slack's answer said nothing was posted
    assert [r.path for r in squeaky.slack.requests].count("/api/chat.postMessage") == 2  # the 429, then the card
    assert time.monotonic() - started < 30


def test_a_card_post_whose_answer_was_lost_is_found_not_posted_twice(
    start_squeaky: Start, local_bluesky: LocalBluesky, local_mastodon: LocalMastodon
) -> None:
    squeaky = start_squeaky(**on(local_bluesky, local_mastodon), slack_app_distribution="distributed")
    squeaky.slack.history_limit = HistoryLimit()
    squeaky.slack.slow_next("chat.postMessage", 11)  # posted, answered after the client's 10 s timeout
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")
    assert poll(squeaky, "Bluesky") == 1
    squeaky.slack.wait_for(lambda: squeaky.slack.calls_to("chat.update") or squeaky.work(), timeout=40)
    assert len(squeaky.slack.channel_messages(CHANNEL)) == 1
    assert len(squeaky.slack.calls_to("conversations.history")) == 1  # one call, around the uncertain post
    assert squeaky.slack.history_limit.refusals == []


def test_a_killed_workers_batch_is_checked_with_one_history_read_not_one_per_card(local_slack: LocalSlack) -> None:
    before = datetime.now(UTC)
    client = WebClient(token=local_slack.token, base_url=f"{local_slack.url}/api/")
    dead = SlackChatGateway(client, CHANNEL, WindowRateLimiter("memory://"), posts_per_second=100, post_burst=50)
    refs = {n: dead.post_card("", _card(n)) for n in range(1, 21)}
    leased_at = datetime.now(UTC)  # the next worker leases the batch: every earlier try began before this
    # the worker taking the batch over: nothing the dead one recorded reaches it (its records died with its process)
    taking_over = SlackChatGateway(client, CHANNEL, WindowRateLimiter("memory://"))
    found = {n: taking_over.find_card("", n, before, tried_before=leased_at) for n in range(1, 41)}
    assert {n: ref for n, ref in found.items() if ref is not None} == refs  # the twenty posted, the rest not
    assert len(local_slack.calls_to("conversations.history")) == 1  # one read of the channel answered all forty
    later = datetime.now(UTC)  # a try that may have begun after that read: the channel is read again
    assert taking_over.find_card("", 41, before, tried_before=later) is None
    assert len(local_slack.calls_to("conversations.history")) == 2


def test_a_card_found_on_the_first_page_is_answered_though_the_next_page_must_wait(local_slack: LocalSlack) -> None:
    local_slack.history_limit = HistoryLimit()  # a distributed app: one call a minute, 15 messages a call
    before = datetime.now(UTC)
    client = WebClient(token=local_slack.token, base_url=f"{local_slack.url}/api/")
    dead = SlackChatGateway(client, CHANNEL, WindowRateLimiter("memory://"), posts_per_second=100, post_burst=50)
    refs = {n: dead.post_card("", _card(n)) for n in range(1, 21)}
    taking_over = _gateway(local_slack)
    assert taking_over.find_card("", 20, before, tried_before=datetime.now(UTC)) == refs[20]  # on the newest page
    assert len(local_slack.calls_to("conversations.history")) == 1
    assert local_slack.history_limit.refusals == []
