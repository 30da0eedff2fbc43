"""Mastodon as a default 4.3+ instance really answers: the real Mastodon.py client against a stand-in whose
notification policy filters private mentions from strangers, whose pages may hold fewer than asked, and whose
accounts' profile addresses may be on another host than their handles."""

from __future__ import annotations

import json

import pytest

from bot.mastodon.client import MastodonAccount, host_of, make_client
from bot.mastodon.feeds import mentions_feed
from bot.network_feeds import poll_network_feed
from handlers.ports.clock import SystemClock
from sandbox.mastodon_api import LocalMastodon
from storage.memory.stream import MemoryStreamQueue
from tests.e2e.conftest import Running
from tests.e2e.test_networks import new_card, squeaky  # noqa: F401 - the fixture
from tests.fakes import FakeDatabase

pytestmark = pytest.mark.e2e


def test_a_strangers_private_mention_on_a_default_instance_becomes_a_case(
    squeaky: Running,  # noqa: F811
    local_mastodon: LocalMastodon,
) -> None:
    local_mastodon.add_status("ann@social.example", "@squeakyair booking ref X123, lost bag", visibility="direct")
    assert local_mastodon.notifications[-1]["filtered"]  # the policy filtered it: the brand does not follow Ann
    card = new_card(squeaky, "Mastodon")
    assert "booking ref X123" in json.dumps(card["blocks"])


def test_mentions_page_by_the_link_header_not_by_a_full_page(local_mastodon: LocalMastodon) -> None:
    feed = mentions_feed(
        MastodonAccount(make_client(local_mastodon.url, local_mastodon.token), host_of(local_mastodon.url)),
        SystemClock(),
    )
    queue, db = MemoryStreamQueue(), FakeDatabase()
    local_mastodon.add_status("ann@social.example", "@squeakyair first")
    assert poll_network_feed(feed, queue, db) == 1
    local_mastodon.notifications_most = 30  # fewer a page than asked for: a short page is not the last one
    for n in range(70):
        local_mastodon.add_status("bob@social.example", f"@squeakyair storm {n}")
    assert poll_network_feed(feed, queue, db) == 70
    assert poll_network_feed(feed, queue, db) == 0


def test_an_instance_before_4_3_is_read_without_grouped_notifications(local_mastodon: LocalMastodon) -> None:
    local_mastodon.version = "4.2.0"  # no notification policy, no /api/v2/notifications
    feed = mentions_feed(
        MastodonAccount(make_client(local_mastodon.url, local_mastodon.token), host_of(local_mastodon.url)),
        SystemClock(),
    )
    queue, db = MemoryStreamQueue(), FakeDatabase()
    local_mastodon.add_status("ann@social.example", "@squeakyair my bag is lost", visibility="direct")
    assert poll_network_feed(feed, queue, db) == 1
    local_mastodon.add_status("bob@social.example", "@squeakyair mine too")
    assert poll_network_feed(feed, queue, db) == 1
