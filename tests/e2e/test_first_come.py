"""First come, first served, end to end: 300 real complaints burst onto X between two polls, read over several
pages newest page first (as X pages), and the cards, `/squeaky backlog` and `/squeaky next` follow the order the
customers posted in, whatever order Squeaky read and stored them in."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from sandbox.interactions import post_command, slash_command
from storage.sql.tables import complaints
from tests.conftest import SHARED_DATA
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start

pytestmark = pytest.mark.e2e
BURST = 300
AGENTS = 8


def real_complaints(count: int) -> list[str]:
    """Customers' own tweets from the real data set, addressed to us: distinct words, as a real burst has."""
    texts: list[str] = []
    with (SHARED_DATA / "twcs_dev.csv").open(newline="", encoding="utf-8") as raw:
        for row in csv.DictReader(raw):
            said = " ".join(re.sub(r"@\w+", "", row["text"]).split())
            if row["inbound"] == "True" and len(said) > 30 and said not in texts:
                texts.append(said)
    return [f"@SqueakyAir {text}"[:270] for text in texts[:count]]


def in_order(case_ids: list[int], posted: dict[int, datetime], priority: dict[int, int]) -> float:
    """The share of pairs of equal priority that `case_ids` lists in the customers' posting order."""
    pairs = kept = 0
    for i, first in enumerate(case_ids):
        for later in case_ids[i + 1 :]:
            if priority[first] == priority[later] and posted[first] != posted[later]:
                pairs += 1
                kept += posted[first] < posted[later]
    assert pairs, "no pairs to compare"
    return kept / pairs


def command(squeaky: Running, user: str, words: str) -> str:
    fields = slash_command(user, user.lower(), words, CHANNEL, squeaky.slack.response_url())
    return json.dumps(post_command(squeaky.events_url, SIGNING_SECRET, fields).json(), ensure_ascii=False)


def card_case(message: dict[str, Any]) -> int:
    """The case a card shows (0 for a message that is not a card)."""
    ids = [b["block_id"].split(":")[1] for b in message.get("blocks", []) if b.get("type") == "actions"]
    return int(ids[0]) if ids else 0


def test_a_burst_read_newest_page_first_is_served_in_the_customers_order(start_squeaky: Start) -> None:
    squeaky = start_squeaky()
    squeaky.x.add_tweet("first_customer", "@SqueakyAir before the burst: my seat was changed")
    poll_once(squeaky.services, x_read_client(squeaky.settings))  # the position: the next poll reads pages since
    squeaky.slack.wait_for(lambda: squeaky.slack.channel_messages(CHANNEL) or squeaky.work())
    squeaky.slack.rate_limit_next("chat.postMessage", retry_after=3)  # the channel is busy while the burst is read
    start = datetime.now(UTC) - timedelta(minutes=10)
    for n, text in enumerate(real_complaints(BURST)):  # one second apart, in the customers' order
        squeaky.x.add_tweet(f"customer{n:03d}", text, created_at=start + timedelta(seconds=n))
    assert poll_once(squeaky.services, x_read_client(squeaky.settings)) == BURST  # three pages, newest first

    def burst() -> list[Any]:
        with squeaky.services.engine.connect() as connection:
            return list(
                connection.execute(
                    select(
                        complaints.c.id, complaints.c.created_at, complaints.c.posted_at, complaints.c.priority
                    ).where(complaints.c.author_handle.like("customer%"))
                ).all()
            )

    rows = squeaky.slack.wait_for(lambda: len(found := burst()) == BURST and found, timeout=30)  # the worker stores
    posted = {r.id: r.posted_at for r in rows}
    priority = {r.id: r.priority for r in rows}
    assert all(r.posted_at == r.created_at for r in rows)  # the customer's own time, kept with the case
    # (ingest puts a poll's pages on the stream oldest first; the ranking itself goes by posted_at, whatever the order)

    # the cards: in the channel, in the order they went out (about one a second)
    def cards_out() -> list[int]:
        return [card_case(m) for m in squeaky.slack.channel_messages(CHANNEL) if card_case(m) in posted]

    cards = squeaky.slack.wait_for(lambda: len(out := cards_out()) >= 20 and out, timeout=60)
    assert in_order(cards, posted, priority) == 1.0
    reversed_times = {cid: start - (at - start) for cid, at in posted.items()}  # the control: the order reversed
    assert in_order(cards, reversed_times, priority) == 0.0

    # the backlog, most urgent first and then who posted first
    backlog = [int(n) for n in re.findall(r"#(\d+)", command(squeaky, "U0MARIA", "backlog"))]
    assert len(backlog) >= 10 and in_order([c for c in backlog if c in posted], posted, priority) == 1.0

    # take next: eight agents, one after another, get the next customers in their order
    taken = [
        int(re.search(r"Yours now: #(\d+)", command(squeaky, f"U0AGENT{n}", "next"))[1])  # type: ignore[index]
        for n in range(AGENTS)
    ]
    assert len(set(taken)) == AGENTS and in_order(taken, posted, priority) == 1.0
    assert in_order(taken, reversed_times, priority) == 0.0
