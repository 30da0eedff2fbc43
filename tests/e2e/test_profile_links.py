"""Profile and post links that keep working: the real atproto and Mastodon.py clients against stand-ins where a
Bluesky handle no longer verifies (`handle.invalid`) and a Mastodon account's web address is on another host than
its handle's domain. Bluesky links name the DID, which never changes; Mastodon links are the addresses the API
gives."""

from __future__ import annotations

import json

import pytest

from sandbox.bluesky_api import LocalBluesky
from sandbox.mastodon_api import LocalMastodon
from tests.e2e.conftest import Running
from tests.e2e.test_networks import new_card, squeaky  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e


def test_a_bluesky_profile_whose_handle_no_longer_verifies_is_linked_by_its_did(
    squeaky: Running,  # noqa: F811
    local_bluesky: LocalBluesky,
) -> None:
    post = local_bluesky.add_post("ann.example.com", "@squeakyair.bsky.social my bag is lost")
    did = local_bluesky.invalidate_handle("ann.example.com")  # her domain's record is gone
    shown = json.dumps(new_card(squeaky, "Bluesky")["blocks"])
    assert f"<https://bsky.app/profile/{did}|@handle.invalid> on Bluesky" in shown
    rkey = post["uri"].rsplit("/", 1)[1]
    assert f"<https://bsky.app/profile/{did}/post/{rkey}|view on Bluesky>" in shown


def test_a_mastodon_profile_is_linked_by_the_address_the_api_gives(
    squeaky: Running,  # noqa: F811
    local_mastodon: LocalMastodon,
) -> None:
    # handles on example.com, the server's web address on social.example.com
    local_mastodon.add_account("ann@example.com", "Ann", url="https://social.example.com/@ann")
    local_mastodon.add_status("ann@example.com", "@squeakyair my bag is lost")
    shown = json.dumps(new_card(squeaky, "Mastodon")["blocks"])
    assert "<https://social.example.com/@ann|@ann@example.com> on Mastodon" in shown
