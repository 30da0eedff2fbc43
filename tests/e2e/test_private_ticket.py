"""The customer's private answers join the ticket's conversation in the system of record, end to end: the real Bolt
app over signed HTTP, tweepy, atproto and Mastodon.py against the local networks, zenpy against the local Zendesk, a
signed webhook receiver, the built-in ticket's page over HTTP, on the real PostgreSQL and Redis. Each private message
(the customer's, and ours) is added once, only where the case has a ticket; a ticket made later carries those before
it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.slack import action_ids
from sandbox.bluesky_api import LocalBluesky
from sandbox.mastodon_api import LocalMastodon
from sandbox.zendesk_api import LocalZendesk
from tests.e2e.conftest import Running, Start
from tests.e2e.test_agent_card import (
    WEBHOOK_SECRET,
    WebhookReceiver,
    card_shows,
    open_ticket_page,
    opened_view,
    submit,
)
from tests.e2e.test_agent_card import click as x_click
from tests.e2e.test_networks import click, on, poll
from tests.e2e.test_private_handoff import claimed, claimed_on_x, thread_of
from tests.e2e.test_private_reply import reply_privately

pytestmark = pytest.mark.e2e
PUBLIC = {"public_url": "https://squeaky.example"}


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


def zendesk_settings(zendesk: LocalZendesk) -> dict[str, Any]:
    """Squeaky's tickets in the local Zendesk."""
    return {
        "ticket_system": "zendesk",
        "zendesk_subdomain": "squeaky",
        "zendesk_email": zendesk.email,
        "zendesk_api_token": zendesk.token,
        "zendesk_url": zendesk.url,
    }


def until(squeaky: Running, done: Callable[[], Any], what: str, timeout: float = 20) -> Any:
    """Work until `done()` is true; its value."""
    deadline = time.monotonic() + timeout
    while True:
        squeaky.work()
        found = done()
        if found or time.monotonic() > deadline:
            assert found, f"never: {what}"
            return found
        time.sleep(0.1)


def page_with(squeaky: Running, card: dict[str, Any], text: str) -> str:
    """The built-in ticket's page once it shows `text`."""
    deadline = time.monotonic() + 20
    while True:
        squeaky.work()
        page = open_ticket_page(squeaky, card)
        if text in page or time.monotonic() > deadline:
            assert text in page, f"the ticket page never showed {text!r}: {page}"
            return page
        time.sleep(0.1)


def to_ticket(squeaky: Running, card: dict[str, Any], click_as: Callable[[str], None]) -> str:
    """Move the card to a ticket from its modal; the card once it shows the ticket."""
    views = len(squeaky.slack.views)
    click_as(action_ids.TICKET)
    assert submit(squeaky, "alice", opened_view(squeaky, views + 1), {"subject": "Lost bag SQ212"}) == {}
    return card_shows(squeaky, ":ticket: *Ticket ")


def x_dm(squeaky: Running, text: str) -> None:
    """maria_k writes to the brand privately on X; one poll reads it."""
    squeaky.x.dms.add_event(squeaky.x.add_user("maria_k"), squeaky.x.brand_id, text)
    poll_once(squeaky.services, x_read_client(squeaky.settings))


def moved_on_x(squeaky: Running) -> dict[str, Any]:
    """An X card claimed by alice and moved to DMs."""
    card = claimed_on_x(squeaky)
    x_click(squeaky, "alice", card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs")
    return card


def test_an_x_dm_after_the_ticket_shows_on_the_thread_and_the_built_in_ticket_page(start_squeaky: Start) -> None:
    squeaky = start_squeaky(**PUBLIC)
    card = moved_on_x(squeaky)
    assert ":ticket: *Ticket SQ-1* in Squeaky" in to_ticket(squeaky, card, lambda a: x_click(squeaky, "alice", card, a))
    x_dm(squeaky, "My booking ref is QX7 &lt;b&gt;seat 4A&lt;/b&gt;")  # X escapes < and > as entities
    thread_of(squeaky, card, "My booking ref is QX7")  # on the card's thread
    page = page_with(squeaky, card, "My booking ref is QX7")
    assert "My booking ref is QX7 &lt;b&gt;seat 4A&lt;/b&gt;" in page and "<b>seat" not in page  # escaped
    assert page.count("My booking ref is QX7") == 1 and "privately" in page

    reply_privately(squeaky, card, "Found it: your bag lands at 6pm.")
    page = page_with(squeaky, card, "your bag lands at 6pm")
    assert "<span class=who>us</span> <span class=dm>privately</span>" in page  # marked as ours
    squeaky.work()
    assert open_ticket_page(squeaky, card).count("your bag lands at 6pm") == 1  # worked again: added once


def test_a_ticket_made_after_the_private_answers_carries_them_once(start_squeaky: Start) -> None:
    squeaky = start_squeaky(**PUBLIC)
    card = moved_on_x(squeaky)
    x_dm(squeaky, "My booking ref is QX7")
    thread_of(squeaky, card, "My booking ref is QX7")
    to_ticket(squeaky, card, lambda a: x_click(squeaky, "alice", card, a))
    squeaky.work()
    page = open_ticket_page(squeaky, card)
    assert page.count("My booking ref is QX7") == 1 and page.count("care team about case #") == 1
    assert page.count("<span class=dm>privately</span>") == 2  # our opening and the answer, both marked


def test_without_a_ticket_a_private_answer_goes_to_no_ticketing_system(
    start_squeaky: Start, webhook: WebhookReceiver
) -> None:
    squeaky = start_squeaky(ticket_webhook_url=f"{webhook.url}/tickets", ticket_webhook_secret=WEBHOOK_SECRET,
                            ticket_system="webhook")  # fmt: skip
    card = moved_on_x(squeaky)
    x_dm(squeaky, "My booking ref is QX7")
    thread_of(squeaky, card, "My booking ref is QX7")
    squeaky.work()
    assert webhook.tickets == {}


def test_an_x_dm_and_our_private_answer_are_zendesk_comments_added_once(
    start_squeaky: Start, zendesk: LocalZendesk
) -> None:
    squeaky = start_squeaky(**zendesk_settings(zendesk))
    card = moved_on_x(squeaky)
    to_ticket(squeaky, card, lambda a: x_click(squeaky, "alice", card, a))
    [ticket_id] = zendesk.tickets
    zendesk.fail_next("PUT", 503, {"error": "maintenance"})  # the first try is refused: retried
    x_dm(squeaky, "My booking ref is QX7")
    thread_of(squeaky, card, "My booking ref is QX7")
    added = until(squeaky, lambda: zendesk.comments[ticket_id][1:], "the DM as a Zendesk comment", timeout=40)
    [comment] = added
    assert comment["public"] is False  # a private comment: the customer's DM is not mailed back to them
    assert (
        comment["body"].startswith("Private message from the customer on x:\n")
        and "@maria_k (privately): My booking" in comment["body"]
    )

    reply_privately(squeaky, card, "Found it: your bag lands at 6pm.")
    until(squeaky, lambda: len(zendesk.comments[ticket_id]) == 3, "our answer as a Zendesk comment")
    ours = zendesk.comments[ticket_id][2]
    assert ours["body"].startswith("Our private answer:\n") and "@us (privately): Found it" in ours["body"]
    squeaky.work()
    assert len(zendesk.comments[ticket_id]) == 3


def test_a_zendesk_comment_whose_answer_was_lost_is_found_not_added_again(
    start_squeaky: Start, zendesk: LocalZendesk
) -> None:
    squeaky = start_squeaky(**zendesk_settings(zendesk))
    card = moved_on_x(squeaky)
    to_ticket(squeaky, card, lambda a: x_click(squeaky, "alice", card, a))
    [ticket_id] = zendesk.tickets
    zendesk.slow_next("PUT", 16)  # added, answered after zenpy's 15 s timeout
    x_dm(squeaky, "My booking ref is QX7")

    def looked() -> bool:  # the retry looks among the ticket's comments before adding
        return any(r.method == "GET" and r.path.endswith("/comments.json") for r in zendesk.requests)

    until(squeaky, looked, "the retry's look", timeout=60)
    squeaky.work()
    assert len(zendesk.comments[ticket_id]) == 2
    assert len([r for r in zendesk.requests if r.method == "PUT"]) == 1


def test_zendesk_refusing_the_comment_is_said_in_the_thread_with_its_words(
    start_squeaky: Start, zendesk: LocalZendesk
) -> None:
    squeaky = start_squeaky(**zendesk_settings(zendesk))
    card = moved_on_x(squeaky)
    to_ticket(squeaky, card, lambda a: x_click(squeaky, "alice", card, a))
    [ticket_id] = zendesk.tickets
    zendesk.tickets[ticket_id]["status"] = "closed"  # closed in Zendesk meanwhile
    x_dm(squeaky, "My booking ref is QX7")
    lines = thread_of(squeaky, card, f"could not add a private message to ticket #{ticket_id} in Zendesk")
    assert "My booking ref is QX7" in lines.split("could not add", 1)[1]  # the words are not lost
    assert len(zendesk.comments[ticket_id]) == 1


def test_the_webhook_gets_a_ticket_comment_event_for_a_private_answer(
    start_squeaky: Start, webhook: WebhookReceiver
) -> None:
    squeaky = start_squeaky(ticket_webhook_url=f"{webhook.url}/tickets", ticket_webhook_secret=WEBHOOK_SECRET,
                            ticket_system="webhook")  # fmt: skip
    card = moved_on_x(squeaky)
    to_ticket(squeaky, card, lambda a: x_click(squeaky, "alice", card, a))
    x_dm(squeaky, "My booking ref is QX7")

    def events() -> list[dict[str, Any]]:
        return [e for e in webhook.tickets.values() if e.get("event") == "ticket.comment"]

    [event] = until(squeaky, events, "the webhook's ticket.comment event")
    assert event["ticket"] == {"number": "WH-1", "url": "https://tickets.example/WH-1"}
    assert event["comment"]["text"] == "My booking ref is QX7" and event["comment"]["author"] == "maria_k"
    assert event["comment"]["private"] is True and event["comment"]["ours"] is False
    [created] = [e for e in webhook.tickets.values() if e.get("event") == "ticket.create"]
    assert [line["private"] for line in created["conversation"]] == [False, True]  # the post, our opening


def test_a_mastodon_direct_answer_and_a_bluesky_chat_answer_join_the_built_in_ticket(
    start_squeaky: Start, local_bluesky: LocalBluesky, local_mastodon: LocalMastodon
) -> None:
    squeaky = start_squeaky(**PUBLIC, **on(local_bluesky, local_mastodon))
    local_mastodon.add_status("ann@social.example", "@squeakyair my bag is lost")
    card = claimed(squeaky, "Mastodon")
    click(squeaky, card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs")
    to_ticket(squeaky, card, lambda a: click(squeaky, card, a))
    [ours] = local_mastodon.posted
    local_mastodon.add_status(
        "ann@social.example", "@squeakyair red suitcase, ref QX7", visibility="direct", in_reply_to=ours["id"]
    )
    poll(squeaky, "Mastodon")
    thread_of(squeaky, card, "red suitcase, ref QX7")
    assert page_with(squeaky, card, "red suitcase, ref QX7").count("red suitcase, ref QX7") == 1

    ann = local_bluesky.add_account("ann.bsky.social", "Ann")
    local_bluesky.chat.allow_incoming[ann] = "all"
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost too")
    card = claimed(squeaky, "Bluesky")
    click(squeaky, card, action_ids.PRIVATE)
    card_shows(squeaky, "Moved to DMs")
    to_ticket(squeaky, card, lambda a: click(squeaky, card, a))
    local_bluesky.chat.add_message(ann, local_bluesky.chat.convo_with(ann), "It's a blue one")
    poll(squeaky, "Bluesky")
    thread_of(squeaky, card, "It's a blue one")
    page = page_with(squeaky, card, "a blue one")
    assert "@ann.bsky.social</span> <span class=dm>privately</span>" in page
    assert page.count("It&#x27;s a blue one") == 1
