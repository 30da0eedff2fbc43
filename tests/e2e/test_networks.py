"""Bluesky and Mastodon end to end: the real atproto and Mastodon.py clients against the local stand-ins, the real
Bolt app over signed HTTP, the real PostgreSQL and Redis. Complaints come in, thread, show their network, and get
one threaded public reply where they were made, or none where the customer did not post publicly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.bluesky.client import BlueskySession
from bot.bluesky.feeds import notifications_feed
from bot.config import Settings, SettingsError
from bot.ingest import network_feeds
from bot.mastodon.client import MastodonAccount, host_of, make_client
from bot.mastodon.feeds import mentions_feed
from bot.network_feeds import poll_all, poll_network_feed
from bot.pacing import RateLimited, Refused, Unavailable
from bot.slack import action_ids
from bot.startup_checks import require_networks
from handlers.ports.clock import SystemClock
from sandbox.bluesky_api import LocalBluesky
from sandbox.interactions import block_action, post_signed, view_action
from sandbox.mastodon_api import LocalMastodon
from storage.memory.stream import MemoryStreamQueue
from storage.sql.tables import complaints
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start
from tests.e2e.test_agent_card import card_shows, opened_view, submit
from tests.fakes import FakeDatabase

pytestmark = pytest.mark.e2e


def on(bluesky: LocalBluesky, mastodon: LocalMastodon) -> dict[str, Any]:
    """The settings that turn both networks on, pointed at the stand-ins."""
    return {
        "bluesky_handle": bluesky.brand,
        "bluesky_app_password": bluesky.app_password,
        "bluesky_service_url": bluesky.url,
        "mastodon_api_base_url": mastodon.url,
        "mastodon_access_token": mastodon.token,
        "mastodon_searches": ["#squeakydelays"],
    }


@pytest.fixture
def squeaky(start_squeaky: Start, local_bluesky: LocalBluesky, local_mastodon: LocalMastodon) -> Running:
    return start_squeaky(**on(local_bluesky, local_mastodon))


def poll(squeaky: Running, network: str) -> int:
    """One poll of the network's feeds, as the ingest process makes it."""
    s = squeaky.services
    return poll_all(network_feeds(s)[network], s.queue, s.uow_factory, s.locks)


def new_card(squeaky: Running, network: str) -> dict[str, Any]:
    before = len(squeaky.slack.channel_messages(CHANNEL))
    assert poll(squeaky, network) >= 1
    squeaky.slack.wait_for(lambda: len(squeaky.slack.channel_messages(CHANNEL)) > before or squeaky.work())
    return squeaky.slack.channel_messages(CHANNEL)[-1]


def click(squeaky: Running, card: dict[str, Any], action_id: str) -> None:
    complaint_id = json.dumps(card["blocks"]).split("complaint:", 1)[1].split('"', 1)[0]
    payload = block_action("U0ALICE", "alice", action_id, complaint_id, CHANNEL, card["ts"])
    assert post_signed(squeaky.events_url, SIGNING_SECRET, payload).status_code == 200


def claim_and_open_reply(squeaky: Running, card: dict[str, Any]) -> dict[str, Any]:
    click(squeaky, card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    opened = len(squeaky.slack.views)
    click(squeaky, card, action_ids.ACKNOWLEDGE)
    return opened_view(squeaky, opened + 1)


# --- Bluesky --------------------------------------------------------------------------------------------------


def test_bluesky_mention_becomes_a_card_naming_the_network_and_linking_the_profile(
    squeaky: Running, local_bluesky: LocalBluesky
) -> None:
    post = local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost, flight SQ212")
    card = new_card(squeaky, "Bluesky")
    shown, did = json.dumps(card["blocks"]), local_bluesky.add_account("ann.bsky.social")
    assert f"<https://bsky.app/profile/{did}|@ann.bsky.social> on Bluesky" in shown  # by DID: a handle may change
    rkey = post["uri"].rsplit("/", 1)[1]
    assert f"<https://bsky.app/profile/{did}/post/{rkey}|view on Bluesky>" in shown
    with squeaky.services.engine.connect() as connection:
        [stored] = connection.execute(select(complaints.c.source, complaints.c.external_id, complaints.c.post_cid))
    assert tuple(stored) == ("bsky", post["uri"], post["cid"])
    assert local_bluesky.sessions == 1  # logged in once, not once per call


def test_bluesky_follow_up_in_the_thread_joins_the_case(squeaky: Running, local_bluesky: LocalBluesky) -> None:
    first = local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")
    card = new_card(squeaky, "Bluesky")
    local_bluesky.add_post("ann.bsky.social", "still nothing, two days now", reply_to=first["uri"])
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social hello??", reply_to=first["uri"])
    assert poll(squeaky, "Bluesky") == 1  # the bare reply does not notify us; the one mentioning us does
    squeaky.work()
    [line] = squeaky.slack.wait_for(lambda: squeaky.slack.thread(CHANNEL, card["ts"]))
    assert "hello??" in line["text"] and len(squeaky.slack.channel_messages(CHANNEL)) == 1


def test_bluesky_reply_form_counts_graphemes_says_it_is_free_and_posts_a_threaded_reply(
    squeaky: Running, local_bluesky: LocalBluesky
) -> None:
    root = local_bluesky.add_post("bob.bsky.social", "Anyone else stuck at gate 12?")
    post = local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social yes, 3 hours now", reply_to=root["uri"])
    card = new_card(squeaky, "Bluesky")
    view = claim_and_open_reply(squeaky, card)
    assert "Reply on Bluesky" in json.dumps(view) and "does not charge for posts" in json.dumps(view)
    text = "@ann.bsky.social so sorry 👩‍👩‍👧‍👦 — DM us your booking reference"
    typing = view_action("U0ALICE", "alice", view, action_ids.REPLY_TEXT, "text:0", {"text:0": text}, text)
    assert post_signed(squeaky.events_url, SIGNING_SECRET, typing).status_code == 200
    # the family emoji is one grapheme (seven code points)
    updated = squeaky.slack.wait_for(
        lambda: "*58/300*" in json.dumps(squeaky.slack.views[-1]) and squeaky.slack.views[-1]
    )
    assert submit(squeaky, "alice", updated, {"text:0": text}) == {}
    card_shows(squeaky, "Replied publicly")
    [reply] = local_bluesky.posted
    refs = reply["record"]["reply"]
    assert (refs["parent"]["uri"], refs["parent"]["cid"]) == (post["uri"], post["cid"])
    assert (refs["root"]["uri"], refs["root"]["cid"]) == (root["uri"], root["cid"])
    [mention] = reply["record"]["facets"]
    assert mention["features"][0]["did"] == local_bluesky.add_account("ann.bsky.social")


def test_a_bluesky_reply_that_timed_out_is_found_not_posted_again(
    squeaky: Running, local_bluesky: LocalBluesky
) -> None:
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")
    card = new_card(squeaky, "Bluesky")
    view = claim_and_open_reply(squeaky, card)
    local_bluesky.slow_next("com.atproto.repo.createRecord", 16)  # created, answered after our 15 s timeout
    submit(squeaky, "alice", view, {"text:0": "So sorry Ann, DM us your booking reference."})
    card_shows(squeaky, "Replied publicly", timeout=60)
    assert len(local_bluesky.posted) == 1
    creates = [r for r in local_bluesky.requests if r.path.endswith("/com.atproto.repo.createRecord")]
    assert len(creates) == 1  # the retry looked in our repository first, and found it


def test_bluesky_rate_limit_and_outage_are_honoured(local_bluesky: LocalBluesky) -> None:
    session = BlueskySession(local_bluesky.url, local_bluesky.brand, local_bluesky.app_password)
    feed = notifications_feed(session, SystemClock())
    queue, db = MemoryStreamQueue(), FakeDatabase()
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social first")
    local_bluesky.rate_limit_next("app.bsky.notification.listNotifications", reset_in=5)
    with pytest.raises(RateLimited) as limited:
        poll_network_feed(feed, queue, db)
    assert 3 <= limited.value.seconds <= 6  # the reset the PDS named (not a default), waited out by the next poll
    local_bluesky.fail_next("app.bsky.notification.listNotifications", 502, {"error": "UpstreamFailure"}, count=2)
    assert poll_network_feed(feed, queue, db) == 1  # two 502s retried
    local_bluesky.fail_for(10, 503, {"error": "NotEnoughResources"}, route="app.bsky.notification.listNotifications")
    with pytest.raises(Unavailable):
        poll_network_feed(feed, queue, db)
    local_bluesky.clear_outages()
    for n in range(150):
        local_bluesky.add_post("bob.bsky.social", f"@squeakyair.bsky.social storm {n}")
    # two pages down to the kept position, and not the post at the position again
    assert poll_network_feed(feed, queue, db) == 150
    assert poll_network_feed(feed, queue, db) == 0


def test_bluesky_refuses_wrong_credentials_with_a_clear_reason(local_bluesky: LocalBluesky) -> None:
    session = BlueskySession(local_bluesky.url, local_bluesky.brand, "wrong-password")
    with pytest.raises(Refused, match="BLUESKY_APP_PASSWORD"):
        session.client()


# --- Mastodon -------------------------------------------------------------------------------------------------


def test_mastodon_mention_becomes_a_card_and_gets_one_threaded_public_reply(
    squeaky: Running, local_mastodon: LocalMastodon
) -> None:
    status = local_mastodon.add_status(
        "ann@social.example", "@squeakyair my bag is lost https://example.com/a/very/long/path/to/photo"
    )
    card = new_card(squeaky, "Mastodon")
    shown = json.dumps(card["blocks"])
    assert "<https://social.example/@ann|@ann@social.example> on Mastodon" in shown
    assert "https://example.com/a/very/long/path/to/photo" in shown  # the link as text, its full address
    view = claim_and_open_reply(squeaky, card)
    assert "Reply on Mastodon" in json.dumps(view) and "/500*" in json.dumps(view)
    text = "So sorry Ann, DM us your booking reference: https://squeaky.example/dm/" + "x" * 80
    assert submit(squeaky, "alice", view, {"text:0": text}) == {}
    card_shows(squeaky, "Replied publicly")
    [reply] = local_mastodon.posted
    assert reply["in_reply_to_id"] == status["id"] and reply["visibility"] == "public"
    assert reply["text"].startswith("@ann@social.example ")  # mentioned, so they hear of it


def test_a_hashtag_on_another_instance_is_read_and_replied_to_from_ours(
    start_squeaky: Start, local_bluesky: LocalBluesky, local_mastodon: LocalMastodon
) -> None:
    other = LocalMastodon(host="other.local", token="not-ours")
    other.start()
    try:
        settings = on(local_bluesky, local_mastodon) | {"mastodon_searches": [f"{other.url} #squeakydelays"]}
        squeaky = start_squeaky(**settings)
        status = other.add_status("bob", "Stuck at gate 5 for 3 hours #squeakydelays @squeakyair@mastodon.local")
        card = new_card(squeaky, "Mastodon")
        assert "<https://other.local/@bob|@bob@other.local> on Mastodon" in json.dumps(card["blocks"])
        ours = local_mastodon.federate(status, "other.local")  # our instance knows the post by its address
        # the instance's own description failing must not fail a reply that never needs it
        local_mastodon.fail_for(120, 503, {"error": "Service Unavailable"}, route="instance")
        view = claim_and_open_reply(squeaky, card)
        assert submit(squeaky, "alice", view, {"text:0": "So sorry Bob, DM us your booking reference."}) == {}
        card_shows(squeaky, "Replied publicly")
        [reply] = local_mastodon.posted
        assert reply["in_reply_to_id"] == ours["id"] and other.posted == []
    finally:
        other.stop()


def test_a_direct_mastodon_mention_is_a_case_but_never_a_public_reply(
    squeaky: Running, local_mastodon: LocalMastodon
) -> None:
    local_mastodon.add_status("ann@social.example", "@squeakyair my passport number is X123", visibility="direct")
    card = new_card(squeaky, "Mastodon")
    shown = json.dumps(card["blocks"])
    assert "no public reply: it was not posted publicly" in shown
    click(squeaky, card, action_ids.CLAIM)
    shown = card_shows(squeaky, "Claimed by <@U0ALICE>")
    assert action_ids.ACKNOWLEDGE not in shown  # no button to reply publicly
    assert local_mastodon.posted == []


def test_a_mastodon_reply_that_timed_out_is_posted_once(squeaky: Running, local_mastodon: LocalMastodon) -> None:
    local_mastodon.add_status("ann@social.example", "@squeakyair my bag is lost")
    card = new_card(squeaky, "Mastodon")
    view = claim_and_open_reply(squeaky, card)
    local_mastodon.slow_next("post", 16)  # posted, answered after our 15 s timeout
    submit(squeaky, "alice", view, {"text:0": "So sorry Ann, DM us your booking reference."})
    card_shows(squeaky, "Replied publicly", timeout=60)
    assert len(local_mastodon.posted) == 1


def test_mastodon_hashtag_feed_pages_and_honours_the_rate_limit(local_mastodon: LocalMastodon) -> None:
    api = make_client(local_mastodon.url, local_mastodon.token)
    account = MastodonAccount(api, host_of(local_mastodon.url))
    feed = mentions_feed(account, SystemClock())
    queue, db = MemoryStreamQueue(), FakeDatabase()
    local_mastodon.add_status("ann@social.example", "@squeakyair first")
    assert poll_network_feed(feed, queue, db) == 1
    for n in range(130):
        local_mastodon.add_status("bob@social.example", f"@squeakyair storm {n}")
    assert poll_network_feed(feed, queue, db) == 130  # two pages of 80, down to the kept position
    local_mastodon.rate_limit_next("notifications", reset_in=30)
    with pytest.raises(RateLimited) as limited:
        poll_network_feed(feed, queue, db)
    assert 20 <= limited.value.seconds <= 32


def test_hostile_text_never_becomes_a_link_or_mention_in_the_card(
    squeaky: Running, local_bluesky: LocalBluesky, local_mastodon: LocalMastodon
) -> None:
    text = "@squeakyair.bsky.social <!channel> refund me at bank.com <https://evil.example|bank.com>"
    evil = [{"index": {"byteStart": 0, "byteEnd": 23}, "features": [
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://evil.example/steal"}]},
        {"index": {"byteStart": 0, "byteEnd": 23}, "features": [
        {"$type": "app.bsky.richtext.facet#mention", "did": local_bluesky.brand_did}]}]  # fmt: skip
    local_bluesky.add_post("mallory.bsky.social", text, facets=evil)
    card = json.dumps(new_card(squeaky, "Bluesky")["blocks"])
    assert "evil.example/steal" not in card and "<!channel>" not in card and "<https://evil.example|" not in card
    content = (
        '<p>@squeakyair <a href="https://evil.example/steal">bank.com</a> <script>alert(1)</script>'
        '<span class="h-card"><a href="https://evil.example" class="u-url mention">'
        "@<span>everyone</span></a></span></p>"
    )
    local_mastodon.add_status("mallory@social.example", "@squeakyair bank.com", content=content)
    card = json.dumps(new_card(squeaky, "Mastodon")["blocks"])
    assert "evil.example" not in card and "<script>" not in card and "bank.com" in card and "@everyone" in card
    assert "<!everyone>" not in card


def test_missing_or_malformed_network_settings_are_named() -> None:
    with pytest.raises(SettingsError, match="BLUESKY_APP_PASSWORD is not set"):
        require_networks(Settings(_env_file=None, bluesky_handle="squeakyair.bsky.social"))
    with pytest.raises(SettingsError, match="MASTODON_ACCESS_TOKEN is not set"):
        require_networks(Settings(_env_file=None, mastodon_api_base_url="https://mastodon.social"))
    with pytest.raises(ValueError, match="is not a Bluesky handle"):
        Settings(_env_file=None, bluesky_handle="not a handle")
    with pytest.raises(ValueError, match="must start with http"):
        Settings(_env_file=None, mastodon_api_base_url="mastodon.social")
    with pytest.raises(ValueError, match="on another instance only a #hashtag can be read"):
        Settings(_env_file=None, mastodon_searches="https://other.example lost bags")
