"""The local Slack server speaks the Web API to the real slack-sdk client, and the chat gateway reads its answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.gateway import SlackChatGateway
from bot.slack.refs import ts_of
from handlers.cases.card_view import card_for
from handlers.domain.card import CardView
from handlers.domain.complaint import Complaint, Status
from handlers.ports.gateways import DeliveryFailed
from sandbox.slack_api import LocalSlack
from storage.rate_limit import WindowRateLimiter

pytestmark = pytest.mark.e2e


def _client(slack: LocalSlack, token: str | None = None) -> WebClient:
    return WebClient(token=token or slack.token, base_url=f"{slack.url}/api/")


def _card(tier: str = "standard") -> CardView:
    t = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    return card_for(Complaint(7, "x", "1", "9", "ann", "Ann", "late", t, t, Status.NEW, 1, tier=tier), t)


def test_methods_answer_as_slack_documents(local_slack: LocalSlack) -> None:
    client = _client(local_slack)
    assert client.auth_test()["user_id"] == local_slack.bot_user_id
    posted = client.chat_postMessage(channel="C0CARE", text="hello")
    assert posted["channel"] == "C0CARE" and posted["ts"]
    updated = client.chat_update(channel="C0CARE", ts=posted["ts"], text="edited")
    assert updated["text"] == "edited"
    assert client.chat_postEphemeral(channel="C0CARE", user="U0ALICE", text="psst")["message_ts"]
    local_slack.add_user("U0ALICE", "alice", "Alice A.")
    assert client.users_info(user="U0ALICE")["user"]["real_name"] == "Alice A."
    view = client.views_open(
        trigger_id="123.456.abc", view={"type": "modal", "title": {"type": "plain_text", "text": "Hi"}}
    )
    assert view["view"]["id"].startswith("V")
    assert [c.method for c in local_slack.calls] == [
        "auth.test", "chat.postMessage", "chat.update", "chat.postEphemeral", "users.info", "views.open"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.chat_postMessage(channel="#care", text="x"), "channel_not_found"),
        (lambda c: c.chat_update(channel="C0CARE", ts="1.2", text="x"), "message_not_found"),
        (lambda c: c.users_info(user="U0NOBODY"), "user_not_found"),
        (lambda c: c.views_open(trigger_id="", view={"type": "modal"}), "invalid_arguments"),
    ],
)
def test_errors_are_slack_errors(local_slack: LocalSlack, call: object, error: str) -> None:
    with pytest.raises(SlackApiError) as info:
        call(_client(local_slack))  # type: ignore[operator]
    assert info.value.response["error"] == error


def test_wrong_token_is_invalid_auth(local_slack: LocalSlack) -> None:
    with pytest.raises(SlackApiError, match="invalid_auth"):
        _client(local_slack, token="xoxb-wrong").auth_test()


def test_rate_limit_carries_retry_after(local_slack: LocalSlack) -> None:
    local_slack.rate_limit_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as info:
        _client(local_slack).chat_postMessage(channel="C0CARE", text="x")
    assert info.value.response.status_code == 429 and info.value.response.headers["Retry-After"] == "7"


def test_gateway_turns_429_into_a_retry_after_and_bad_channel_into_a_permanent_failure(local_slack: LocalSlack) -> None:
    limiter = WindowRateLimiter("memory://")
    gateway = SlackChatGateway(_client(local_slack), "C0CARE", limiter)
    local_slack.rate_limit_next("chat.postMessage", retry_after=7)
    with pytest.raises(DeliveryFailed) as limited:
        gateway.post_card("", _card())
    assert limited.value.retry_after == 7 and limited.value.throttled and not limited.value.counts
    with pytest.raises(DeliveryFailed) as held:  # every process sharing the limiter holds back as told
        gateway.post_card("", _card())
    assert held.value.throttled and 6 < (held.value.retry_after or 0) <= 7
    assert [r.path for r in local_slack.requests].count("/api/chat.postMessage") == 1  # the 429 only
    ref = SlackChatGateway(_client(local_slack), "C0CARE", WindowRateLimiter("memory://")).post_card("", _card())
    assert ref.channel == "C0CARE" and local_slack.messages[(ref.channel, ts_of(ref))]["blocks"]
    wrong = SlackChatGateway(_client(local_slack), "C0GONE", limiter)
    local_slack.fail_next("chat.postMessage", 200, {"ok": False, "error": "channel_not_found"})
    with pytest.raises(DeliveryFailed) as gone:
        wrong.post_card("", _card())
    assert gone.value.permanent and "channel_not_found" in gone.value.reason


def test_gateway_paces_posts_per_channel_and_keeps_the_last_slot_for_a_vip(local_slack: LocalSlack) -> None:
    clock = [1000.0]
    limiter = WindowRateLimiter("memory://", now=lambda: clock[0])
    gateway = SlackChatGateway(_client(local_slack), "C0CARE", limiter, post_burst=3)
    for _ in range(2):  # a burst of 2...
        gateway.post_card("", _card())
    with pytest.raises(DeliveryFailed) as paced:  # ...then the third is handed back: the last slot is kept
        gateway.post_card("", _card())
    assert paced.value.throttled and 0 < (paced.value.retry_after or 0) <= 1
    gateway.post_card("", _card("vip"))  # a VIP's card takes it at once
    with pytest.raises(DeliveryFailed):  # and then the channel is spent, for VIPs too
        gateway.post_card("", _card("vip"))
    assert len(local_slack.calls_to("chat.postMessage")) == 3
    clock[0] += 1.0
    gateway.post_card("", _card("vip"))  # a second's refill: a slot, which only the reserve may take yet
    with pytest.raises(DeliveryFailed) as again:
        gateway.post_card("", _card())
    assert again.value.retry_after == pytest.approx(2.0)  # a standard card waits until it would leave one behind
    clock[0] += 2.0
    gateway.post_card("", _card())
    assert len(local_slack.calls_to("chat.postMessage")) == 5


def test_a_card_is_found_again_by_its_metadata(local_slack: LocalSlack) -> None:
    gateway = SlackChatGateway(_client(local_slack), "C0CARE", WindowRateLimiter("memory://"))
    since = datetime.now(UTC)
    client = _client(local_slack)
    ref = gateway.post_card("", _card())
    for n in range(250):  # newer chatter pushes the card onto the second page of history
        client.chat_postMessage(channel="C0CARE", text=f"chatter {n}")
    assert gateway.find_card("", 7, since) == ref
    assert gateway.find_card("", 8, since) is None


def test_chat_update_is_held_to_tier_3_for_the_workspace(local_slack: LocalSlack) -> None:
    client = _client(local_slack)
    ts = str(client.chat_postMessage(channel="C0CARE", text="card")["ts"])
    for n in range(50):  # about 50 a minute, bursts allowed
        client.chat_update(channel="C0CARE", ts=ts, text=f"edit {n}")
    with pytest.raises(SlackApiError) as info:
        client.chat_update(channel="C0CARE", ts=ts, text="one too many")
    assert info.value.response.status_code == 429 and info.value.response["error"] == "ratelimited"
    assert 55 <= int(info.value.response.headers["Retry-After"]) <= 60  # until the minute's first update leaves it
    assert local_slack.messages[("C0CARE", ts)]["text"] == "edit 49"
    client.chat_postMessage(channel="C0CARE", text="posting is another budget")
    assert local_slack.update_limit is not None and local_slack.update_limit.honoured
    with pytest.raises(SlackApiError):
        client.chat_update(channel="C0CARE", ts=ts, text="again, inside the Retry-After")
    assert not local_slack.update_limit.honoured  # noted: a client that honours Retry-After makes no such call


def test_a_clicks_response_url_replaces_the_message_for_everyone_without_chat_update(local_slack: LocalSlack) -> None:
    client = _client(local_slack)
    ts = str(client.chat_postMessage(channel="C0CARE", text="card", blocks=[])["ts"])
    url = local_slack.action_response_url("C0CARE", ts)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Claimed by @alice"}}]
    answer = requests.post(url, json={"replace_original": True, "text": "claimed", "blocks": blocks}, timeout=5)
    assert answer.status_code == 200
    assert local_slack.messages[("C0CARE", ts)]["blocks"] == blocks and not local_slack.calls_to("chat.update")
    assert [(c, t) for c, t, _ in local_slack.replaced] == [("C0CARE", ts)]
    for _ in range(4):
        requests.post(url, json={"replace_original": True, "text": "again"}, timeout=5)
    assert requests.post(url, json={"text": "sixth"}, timeout=5).status_code == 404  # five answers a URL
