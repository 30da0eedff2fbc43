"""Each network's own rules: how it counts a post, whether a public reply is allowed and why not, what it costs, and
how its posts become complaints (Bluesky's URIs and reply refs, Mastodon's HTML and visibility)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from bot.bluesky.length import BlueskyPostLength
from bot.bluesky.normalize import REPLIES_CLOSED, normalize_post, post_url
from bot.bluesky.replies import reply_key
from bot.bluesky.rules import BlueskyRules
from bot.mastodon.length import MastodonPostLength
from bot.mastodon.normalize import normalize_status, plain_text
from bot.mastodon.rules import MastodonRules
from bot.slack.blocks import card_blocks
from bot.teams.cards import complaint_card
from handlers.cases.card_view import card_for
from handlers.domain.complaint import Complaint, Status
from handlers.domain.outbox_kinds import SocialReply

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def complaint(source: str, handle: str, **kw: object) -> Complaint:
    return Complaint(1, source, "1", "a1", handle, "Ann", "my bag", T0, T0, Status.CLAIMED, 2, **kw)  # type: ignore[arg-type]


def test_bluesky_counts_graphemes_up_to_300() -> None:
    rule = BlueskyPostLength()
    assert rule.measure("👩‍👩‍👧‍👦 é").length == 3  # a family emoji is one grapheme, e + combining accent another
    assert rule.measure("x" * 300).over == 0 and rule.measure("x" * 301).over == 1
    assert rule.measure("see https://squeaky.example/a/very/long/path").links == 1


def test_mastodon_counts_a_link_as_23_and_a_remote_mention_as_its_local_part() -> None:
    rule = MastodonPostLength()
    assert rule.measure("https://example.com/" + "a" * 200).length == 23
    assert rule.measure("@ann@mastodon.social hi").length == len("@ann hi")
    assert rule.measure("x" * 500).over == 0 and rule.measure("x" * 501).over == 1
    assert MastodonPostLength(limit=5000).measure("x" * 501).over == 0  # the instance's own limit


@pytest.mark.parametrize(("visibility", "allowed"), [("public", True), ("unlisted", True), ("private", False),
                                                      ("direct", False), (None, True)])  # fmt: skip
def test_mastodon_replies_publicly_only_to_public_posts(visibility: str | None, allowed: bool) -> None:
    rules = MastodonRules()
    assert rules.reply_allowed(complaint("mastodon", "ann@mastodon.social", visibility=visibility)) is allowed
    assert "direct or followers-only" in rules.not_allowed and rules.cost(rules.length.measure("hi")) == 0.0


def test_a_mastodon_profile_is_the_address_the_instance_gave() -> None:
    rules = MastodonRules()
    given = complaint("mastodon", "ann@example.com", author_url="https://social.example.com/@ann")
    assert rules.profile_url(given) == "https://social.example.com/@ann"
    assert rules.profile_url(complaint("mastodon", "ann@example.com")) == "https://example.com/@ann"  # stored before
    assert rules.profile_url(complaint("mastodon", "ann@example.com", author_url="javascript:alert(1)")) == (
        "https://example.com/@ann"
    )


def test_bluesky_replies_unless_the_thread_gate_keeps_us_out() -> None:
    rules = BlueskyRules()
    assert rules.reply_allowed(complaint("bsky", "ann.bsky.social"))
    assert not rules.reply_allowed(complaint("bsky", "ann.bsky.social", visibility=REPLIES_CLOSED))
    assert rules.profile_url(complaint("bsky", "ann.bsky.social")) == "https://bsky.app/profile/ann.bsky.social"
    by_did = replace(complaint("bsky", "handle.invalid"), author_id="did:plc:ann")  # a handle that no longer verifies
    assert rules.profile_url(by_did) == "https://bsky.app/profile/did:plc:ann"
    assert rules.profile_url(complaint("bsky", "<script>")) is None
    assert rules.profile_url(replace(complaint("bsky", "<script>"), author_id="did:plc:<script>")) is None


def test_mastodon_html_becomes_plain_text_without_links_or_tags() -> None:
    html = (
        '<p>Hi <span class="h-card"><a href="https://m.example/@squeakyair" class="u-url mention">@<span>squeakyair'
        '</span></a></span> &amp; team,<br>see <a href="https://evil.example"><span class="invisible">https://'
        "</span><span>bank.com</span></a></p><p>second &lt;b&gt;para</p>"
    )
    assert plain_text(html) == "Hi @squeakyair & team,\nsee https://bank.com\n\nsecond <b>para"


def test_a_mastodon_status_keeps_its_visibility_thread_and_full_handle() -> None:
    status = {
        "id": "111", "url": "https://m.example/@ann/111", "created_at": "2026-12-01T09:00:00.000Z",
        "content": "<p>@squeakyair lost bag</p>", "visibility": "direct", "in_reply_to_id": "100",
        "in_reply_to_account_id": "7", "mentions": [{"acct": "squeakyair", "url": "https://m.example/@squeakyair"}],
        "account": {"id": "9", "acct": "ann", "username": "ann", "display_name": "Ann", "url": "https://m.example/@ann"},
    }  # fmt: skip
    item = normalize_status(status, home="m.example", brand_acct="squeakyair@m.example", now=T0)
    assert (item.source, item.external_id, item.in_reply_to_id, item.visibility) == ("mastodon", "111", "100", "direct")
    assert item.author_handle == "ann@m.example" and item.mentions_us and item.text == "@squeakyair lost bag"


def test_a_bluesky_post_carries_its_uri_cid_root_parent_and_link() -> None:
    root = SimpleNamespace(uri="at://did:plc:r/app.bsky.feed.post/3kroot", cid="bafyroot")
    parent = SimpleNamespace(uri="at://did:plc:p/app.bsky.feed.post/3kparent", cid="bafyparent")
    post = SimpleNamespace(
        uri="at://did:plc:ann/app.bsky.feed.post/3kpost",
        cid="bafypost",
        author=SimpleNamespace(did="did:plc:ann", handle="ann.bsky.social", display_name="Ann", followers_count=12),
        record=SimpleNamespace(
            text="@squeakyair.bsky.social help",
            created_at="2026-12-01T09:00:00Z",
            facets=None,
            reply=SimpleNamespace(root=root, parent=parent),
        ),
        viewer=SimpleNamespace(reply_disabled=True),
    )
    item = normalize_post(post, brand_handle="squeakyair.bsky.social", brand_did="did:plc:brand", now=T0)
    assert (item.external_id, item.post_cid) == (post.uri, "bafypost")
    assert (item.conversation_id, item.in_reply_to_id) == (root.uri, parent.uri)
    assert item.url == "https://bsky.app/profile/did:plc:ann/post/3kpost" and item.mentions_us
    assert item.visibility == REPLIES_CLOSED and item.author_followers == 12
    assert post_url("at://did:plc:ann/app.bsky.feed.like/3k") is None


def test_a_bluesky_reply_key_is_a_tid_fixed_by_the_case_and_the_moment() -> None:
    key = reply_key(42, T0)
    assert len(key) == 13 and key == reply_key(42, T0) and key != reply_key(43, T0)
    assert key[0] in "234567abcdefghij"  # the top bit is zero, as a TID's must be


def test_each_network_replies_in_its_own_lane() -> None:
    lanes = {SocialReply(source=source).lane for source in ("x", "bsky", "mastodon")}
    assert lanes == {"social:x", "social:bsky", "social:mastodon"}


def test_cards_name_the_network_and_link_the_profile_on_both_chat_tools() -> None:
    mastodon = card_for(complaint("mastodon", "ann@m.example", visibility="direct"), T0, source=MastodonRules())
    slack = json.dumps(card_blocks(mastodon))
    assert "<https://m.example/@ann|@ann@m.example> on Mastodon" in slack
    assert "no public reply: it was not posted publicly" in slack
    bluesky = card_for(complaint("bsky", "ann.bsky.social"), T0, source=BlueskyRules())
    teams = json.dumps(complaint_card(bluesky).model_dump(by_alias=True))
    assert "https://bsky.app/profile/ann.bsky.social" in teams and " on Bluesky" in teams
