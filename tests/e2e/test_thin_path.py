"""The walking skeleton, end to end: a mention on X becomes a Slack card, one agent claims it, the second is told."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.slack import action_ids
from handlers.intake.stream_batches import consume_once
from sandbox.interactions import block_action, post_signed
from storage.sql.tables import audit_events, complaints
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running
from tests.people import owner_column, owners_joined, slack_ids, uncarded

pytestmark = pytest.mark.e2e

HOSTILE = "@SqueakyAir my bag never arrived <!channel> <@U0BOSS> <http://evil.example|squeakyair.com/refunds>"


def _work(squeaky: Running) -> None:
    """A worker pass here; the background worker may have taken the batch, so wait until every case is carded."""
    s = squeaky.services
    consume_once(s.queue, "e2e-worker", s.uow_factory, s.clock, s.dedupe, s.triage, block_ms=200)
    s.outbox_runner.run_due()
    squeaky.slack.wait_for(lambda: (s.queue.pending() == 0 and _all_carded(squeaky)) or squeaky.work())


def _all_carded(squeaky: Running) -> bool:
    with squeaky.services.engine.connect() as connection:
        return connection.execute(uncarded()).first() is None


def test_mention_to_card_to_claim_and_a_refused_second_claim(squeaky: Running) -> None:
    slack, x = squeaky.slack, squeaky.x
    tweet = x.add_tweet("maria_k", HOSTILE)
    x.add_tweet("someone", "talking about planes, not to anyone")  # not a mention: never a card

    assert poll_once(squeaky.services, x_read_client(squeaky.settings)) == 1
    _work(squeaky)

    [post] = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == CHANNEL
    card = json.dumps(post.params["blocks"])
    assert "maria_k" in card and "my bag never arrived" in card
    assert f"https://x.com/maria_k/status/{tweet['id']}" in card
    for raw in ("<!channel>", "<@U0BOSS>", "<http://evil.example"):
        assert raw not in card and raw not in post.params["text"]
    assert "&lt;!channel&gt;" in card
    button, _more = [e for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == action_ids.CLAIM
    [message] = slack.channel_messages(CHANNEL)
    ts = message["ts"]

    # agent A claims: Slack gets its 200 at once, the card changes for everyone
    first = post_signed(
        squeaky.events_url,
        SIGNING_SECRET,
        block_action("U0ALICE", "alice", action_ids.CLAIM, button["value"], CHANNEL, ts),
    )
    assert first.status_code == 200
    update = slack.wait_for(lambda: slack.calls_to("chat.update"))[0]
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, ts)
    assert "Claimed by <@U0ALICE>" in json.dumps(update.params["blocks"])

    # agent B clicks the (stale) Claim button: refused, told privately who has it
    second = post_signed(
        squeaky.events_url, SIGNING_SECRET, block_action("U0BOB", "bob", action_ids.CLAIM, button["value"], CHANNEL, ts)
    )
    assert second.status_code == 200
    ephemeral = slack.wait_for(lambda: slack.calls_to("chat.postEphemeral"))[0]
    assert ephemeral.params["user"] == "U0BOB"
    assert ephemeral.params["text"].startswith("Already claimed by @alice")
    assert len(slack.calls_to("chat.update")) == 1

    with squeaky.services.engine.connect() as connection:
        row = connection.execute(select(complaints, owner_column()).select_from(owners_joined())).mappings().one()
        ids = slack_ids(connection)
        actions = [
            (action, ids.get(actor, actor))
            for action, actor in connection.execute(
                select(audit_events.c.action, audit_events.c.actor_id).order_by(audit_events.c.id)
            )
        ]
    assert (row["status"], row["owner_id"], row["version"]) == ("claimed", "U0ALICE", 2)
    assert [tuple(a) for a in actions] == [("claim", "U0ALICE")]
    [line] = slack.wait_for(lambda: slack.thread(CHANNEL, ts))
    assert line["text"] == "<@U0ALICE> claimed this"  # the card's thread keeps its history


def test_a_second_delivery_of_the_same_tweet_makes_no_second_card(squeaky: Running) -> None:
    squeaky.x.add_tweet("maria_k", "@SqueakyAir still waiting")
    client = x_read_client(squeaky.settings)
    assert poll_once(squeaky.services, client) == 1
    _work(squeaky)
    # the poller forgets its checkpoint (a crash before saving it) and reads the same mention again
    with squeaky.services.uow_factory() as uow:
        uow.checkpoints.set(f"x:mentions:{squeaky.x.brand_id}", "1")
        uow.commit()
    assert poll_once(squeaky.services, client) == 1
    _work(squeaky)
    assert len(squeaky.slack.calls_to("chat.postMessage")) == 1
    # and a poll with the checkpoint in place fetches nothing new
    assert poll_once(squeaky.services, client) == 0


def test_forged_signature_is_refused_and_changes_nothing(squeaky: Running) -> None:
    squeaky.x.add_tweet("maria_k", "@SqueakyAir hello?")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    _work(squeaky)
    ts = squeaky.slack.channel_messages(CHANNEL)[0]["ts"]
    forged = post_signed(
        squeaky.events_url, "not-the-secret", block_action("U0EVE", "eve", action_ids.CLAIM, "1", CHANNEL, ts)
    )
    stale = post_signed(
        squeaky.events_url,
        SIGNING_SECRET,
        block_action("U0EVE", "eve", action_ids.CLAIM, "1", CHANNEL, ts),
        timestamp=1_700_000_000,
    )
    assert (forged.status_code, stale.status_code) == (401, 401)
    with squeaky.services.uow_factory() as uow:
        complaint = uow.complaints.get(1)
    assert complaint is not None and complaint.owner is None
    assert squeaky.slack.calls_to("chat.update") == []
