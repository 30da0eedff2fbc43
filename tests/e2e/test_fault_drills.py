"""Fault drills on the real app, PostgreSQL and Redis: Slack failing for a minute, X failing and timing out, the
ticketing system down for the whole run. After each, every complaint is stored once and carded once, every reply
and ticket is sent once when the outside is back, and meanwhile the card says what is pending.

(Workers killed mid-batch, Redis losing the stream and PostgreSQL refusing connections are drilled in
tests/integration/test_reliability.py, against `python -m bot worker` processes.)"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.ingest import run_ingest
from bot.slack import action_ids
from sandbox.zendesk_api import LocalZendesk
from storage.sql.tables import complaints, messages, outbox
from tests.e2e.conftest import CHANNEL, Running, Start
from tests.e2e.test_agent_card import card_showed, click, opened_view, submit

pytestmark = [pytest.mark.e2e, pytest.mark.alone]
OUTAGE_SECONDS = 30.0  # each half of the Slack drill: 500s, then 429s


@pytest.fixture
def polling(squeaky: Running) -> Iterator[None]:
    """The X poller, as the ingest process runs it (every half second here)."""
    stop = threading.Event()
    thread = threading.Thread(target=run_ingest, args=(squeaky.services, stop), daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=20)


@pytest.fixture
def squeaky(start_squeaky: Start, zendesk: LocalZendesk) -> Running:
    return start_squeaky(
        x_poll_seconds=0.5, ticket_system="zendesk", zendesk_subdomain="squeaky", zendesk_email=zendesk.email,
        zendesk_api_token=zendesk.token, zendesk_url=zendesk.url,
    )  # fmt: skip


def cards(squeaky: Running) -> Counter[int]:
    """Cards posted in the channel, by complaint."""
    posts = squeaky.slack.calls_to("chat.postMessage")
    return Counter(p.params["metadata"]["event_payload"]["complaint_id"] for p in posts if p.params.get("metadata"))


def stored(squeaky: Running) -> tuple[int, int, int]:
    """Complaints, posts stored, outbox messages that gave up."""
    with squeaky.services.engine.connect() as connection:
        cases = connection.execute(select(func.count()).select_from(complaints)).scalar() or 0
        posts = connection.execute(select(func.count()).select_from(messages)).scalar() or 0
        failed = connection.execute(select(func.count()).select_from(outbox).where(outbox.c.status == "failed"))
        return cases, posts, failed.scalar() or 0


def arrives(squeaky: Running, handle: str, text: str) -> dict[str, Any]:
    """A customer tweets; the running poller and worker make it a card; return the card."""
    before = len(squeaky.slack.channel_messages(CHANNEL))
    squeaky.x.add_tweet(handle, text)
    squeaky.slack.wait_for(lambda: len(squeaky.slack.channel_messages(CHANNEL)) > before, 20)
    return squeaky.slack.channel_messages(CHANNEL)[-1]


def showing(squeaky: Running, card: dict[str, Any], text: str, timeout: float = 30) -> None:
    """Wait until this card (not the newest) shows `text`."""

    def shown() -> bool:
        return text in json.dumps(squeaky.slack.messages[(CHANNEL, card["ts"])]["blocks"])

    squeaky.slack.wait_for(shown, timeout)


def every_case_carded_once(squeaky: Running, cases: int, timeout: float) -> None:
    """Wait until each of `cases` complaints has exactly one card."""
    squeaky.slack.wait_for(lambda: stored(squeaky)[0] == cases and len(cards(squeaky)) == cases, timeout)
    assert set(cards(squeaky).values()) == {1}, cards(squeaky).most_common(3)


def test_slack_failing_then_rate_limiting_for_a_minute_loses_and_repeats_nothing(
    squeaky: Running, polling: None
) -> None:
    slack, x = squeaky.slack, squeaky.x
    first = arrives(squeaky, "maria_k", "@SqueakyAir my bag never arrived, flight SQ212")
    click(squeaky, "alice", first, action_ids.CLAIM)
    showing(squeaky, first, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", first, action_ids.ACKNOWLEDGE)
    view = opened_view(squeaky, 1)
    before = len(slack.requests)
    slack.fail_for(OUTAGE_SECONDS, 500, {"ok": False, "error": "internal_error"})
    submit(squeaky, "alice", view, {"text:0": "Hi Maria, we are on it."})  # Slack is down: the update must wait
    for n in range(6):  # customers keep writing meanwhile
        x.add_tweet(f"traveller{n}", f"@SqueakyAir my flight {n} is late and nobody says why")
    time.sleep(OUTAGE_SECONDS)
    slack.fail_for(OUTAGE_SECONDS, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
    time.sleep(OUTAGE_SECONDS)
    during = len(slack.requests) - before
    every_case_carded_once(squeaky, 7, timeout=60)
    showing(squeaky, first, "Replied publicly")  # the update held back by the outage reached the card
    assert len(x.posted) == 1 and stored(squeaky)[2] == 0
    assert during < 200, f"{during} calls to a failing Slack in a minute: the lanes should have backed off"


def test_x_failing_and_timing_out_sends_the_reply_once_and_misses_no_mention(squeaky: Running, polling: None) -> None:
    x = squeaky.x
    card = arrives(squeaky, "maria_k", "@SqueakyAir my bag never arrived, flight SQ212")
    click(squeaky, "alice", card, action_ids.CLAIM)
    showing(squeaky, card, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", card, action_ids.ACKNOWLEDGE)
    x.fail_for(10, 503, {"title": "Service Unavailable", "status": 503})
    for n in range(4):
        x.add_tweet(f"traveller{n}", f"@SqueakyAir lost bag number {n}")
    # a link in the reply: X shows it back as t.co, so the text we sent is not the text X keeps
    text = "Hi Maria, please DM us your booking reference: https://x.com/messages/compose"
    submit(squeaky, "alice", opened_view(squeaky, 1), {"text:0": text})
    card_showed(squeaky, "Public reply on its way to X* (retrying: X is failing (503))")
    time.sleep(10)
    x.slow_next("post", 16)  # X posts the reply, but answers after our 15 s timeout
    x.slow_next("mentions", 16)
    showing(squeaky, card, "Replied publicly", timeout=60)
    assert len(x.posted) == 1, x.posted  # the retry after the timeout found the reply instead of posting again
    [reply] = x.posted
    assert "https://t.co/" in reply["text"] and reply["entities"]["urls"][0]["expanded_url"] == text.split(": ")[1]
    showing(squeaky, card, f"https://x.com/SqueakyAir/status/{reply['id']}")  # the card links the one reply
    every_case_carded_once(squeaky, 5, timeout=30)
    _cases, posts, failed = stored(squeaky)
    assert failed == 0 and posts == 6  # five mentions and our one reply, each once


def test_the_ticketing_system_down_all_run_holds_tickets_not_the_rest(
    squeaky: Running, zendesk: LocalZendesk, polling: None
) -> None:
    zendesk.fail_for(3600, 503, {"error": "maintenance"})
    card = arrives(squeaky, "maria_k", "@SqueakyAir my bag never arrived, flight SQ212")
    click(squeaky, "alice", card, action_ids.CLAIM)
    showing(squeaky, card, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", card, action_ids.TICKET)
    submit(squeaky, "alice", opened_view(squeaky, 1), {"subject": "Lost bag"})
    card_showed(squeaky, "Ticket pending* in Zendesk: retrying: Zendesk is unavailable (HTTP 503)")
    for n in range(3):  # the rest of the product goes on: new complaints are carded, replies go out
        squeaky.x.add_tweet(f"traveller{n}", f"@SqueakyAir stuck in Oslo, day {n}")
    every_case_carded_once(squeaky, 4, timeout=30)
    second = squeaky.slack.channel_messages(CHANNEL)[1]
    click(squeaky, "bob", second, action_ids.CLAIM)
    showing(squeaky, second, "Claimed by <@U0BOB>")
    click(squeaky, "bob", second, action_ids.ACKNOWLEDGE)
    submit(squeaky, "bob", opened_view(squeaky, 2), {"text:0": "So sorry, we are looking into it."})
    squeaky.slack.wait_for(lambda: len(squeaky.x.posted) == 1, 20)
    time.sleep(15)  # Zendesk stays down: the ticket waits, and keeps its chances
    with squeaky.services.engine.connect() as connection:
        ticket = connection.execute(select(outbox).where(outbox.c.kind == "ticket.create")).mappings().one()
    assert ticket["status"] == "pending" and ticket["failures"] == 0 and ticket["attempts"] >= 3
    assert zendesk.tickets == {}
    zendesk.clear_outages()  # Zendesk is back
    squeaky.slack.wait_for(lambda: len(zendesk.tickets) == 1, 45)
    showing(squeaky, card, "|#1001>* in Zendesk", timeout=45)
    assert len(zendesk.tickets) == 1 and stored(squeaky)[2] == 0
