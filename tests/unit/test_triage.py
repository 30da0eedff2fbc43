"""Triage on fakes: noise rules, topics, the priority policy, threading, and the config file that holds them."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers.domain.complaint import POSTED_WITHIN, IncomingComplaint, MessageKind, Status, posted_time
from handlers.domain.outbox_kinds import CardFollowUp, CardPost, CardUpdate
from handlers.intake.follow_ups import CONVERSATION, REPLY, SAME_AUTHOR
from handlers.intake.noise import OWN_POST, PASSING_MENTION, RETWEET, SPAM
from handlers.intake.priority import assess, queue_rank
from handlers.intake.receive import receive
from handlers.intake.triage import Triage, TriageConfigError, parse_triage
from handlers.ports.clock import ManualClock
from tests.fakes import FakeDatabase, FakeDedupe, card_ref

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
CONFIG = tomllib.loads((Path(__file__).resolve().parents[2] / "config" / "triage.toml").read_text())
TRIAGE = parse_triage(CONFIG)


def tweet(
    n: int, text: str = "@SqueakyAir my bag is lost", author: str = "ann", minutes: float = 0, **kw: object
) -> IncomingComplaint:
    return IncomingComplaint(
        "x",
        str(n),
        f"id-{author}",
        author,
        author.title(),
        text,
        T0 + timedelta(minutes=minutes),
        **kw,  # type: ignore[arg-type]
    )


def run(db: FakeDatabase, *items: IncomingComplaint, clock: ManualClock | None = None) -> object:
    return receive(db, clock or ManualClock(T0), FakeDedupe(), TRIAGE, list(items))


# --- noise -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "rule"),
    [
        (tweet(1, "RT @x: planes", is_retweet=True), RETWEET),
        (tweet(1, "@ann we are sorry", author="SqueakyAir", from_brand=True), OWN_POST),
        (tweet(1, "@SqueakyAir crypto giveaway, follow back!"), SPAM),
        (tweet(1, "@SqueakyAir " + " ".join(f"https://x.co/{n}" for n in range(4))), SPAM),
    ],
)
def test_filtered_items_get_no_card_but_are_stored_with_their_rule(item: IncomingComplaint, rule: str) -> None:
    db = FakeDatabase()
    result = run(db, item)
    assert result.filtered == {rule: 1} and result.opened == []  # type: ignore[attr-defined]
    [message] = db.state.messages.values()
    assert (message.kind, message.note) == (MessageKind.FILTERED, rule)
    assert db.state.outbox == {}


def test_passing_mention_is_marked_on_its_card_and_ranked_lower() -> None:
    db = FakeDatabase()
    run(
        db,
        tweet(1, "@bob @SqueakyAir lol same", replies_to_other_user=True),
        tweet(2, "@SqueakyAir lost bag", author="cy"),
    )
    passing, direct = db.state.complaints[1], db.state.complaints[2]
    assert passing.noise_rule == PASSING_MENTION and direct.noise_rule is None
    assert passing.priority < direct.priority
    assert any("passing mention" in reason for reason in passing.priority_reasons)


def test_a_reply_to_someone_else_in_a_customers_thread_is_a_follow_up_not_noise() -> None:
    db = FakeDatabase()
    run(db, tweet(1, conversation_id="1"))
    result = run(
        db, tweet(2, "@ann @SqueakyAir same here", author="bob", replies_to_other_user=True, conversation_id="1")
    )
    assert result.threaded == 1 and result.marked == 0  # type: ignore[attr-defined]


# --- topics and priority -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("my suitcase never made it to Oslo", "baggage"),
        ("flight cancelled at the gate", "delay/cancellation"),
        ("charged twice for seat selection", "billing"),
        ("I want my money back", "refund"),
        ("the app keeps crashing at check-in", "outage"),
        ("the website is down again", "outage"),
        ("what a lovely crew", "other"),
    ],
)
def test_topics(text: str, topic: str) -> None:
    assert TRIAGE.topics.classify(text).name == topic


def test_priority_comes_from_tier_urgency_and_waiting_not_followers() -> None:
    policy = TRIAGE.priority
    vip = assess(policy, tier="vip", text="I missed my connection in Lisbon", followers=5_000_000)
    standard = assess(policy, tier="standard", text="refund question", followers=10)
    famous = assess(policy, tier="standard", text="refund question", followers=5_000_000)
    assert vip.score == 80 and vip.reasons == ("VIP tier (+50)", "urgent: “missed my connection” (+30)")
    assert standard.score == famous.score == 0


def test_followers_count_only_when_the_policy_says_so() -> None:
    policy = parse_triage({**CONFIG, "priority": {**CONFIG["priority"], "follower_points_per_decade": 5}}).priority
    assert assess(policy, tier="standard", text="hi", followers=1_000_000).reasons == ("1,000,000 followers (+30)",)


def test_queue_rank_orders_like_score_plus_aging_at_any_moment() -> None:
    policy = TRIAGE.priority
    old_standard = (0, T0)
    new_vip = (50, T0 + timedelta(hours=5))  # 5 h younger: aging gave the old one 30 points, VIP gives 50
    newer_vip = (50, T0 + timedelta(hours=10))  # 10 h younger: the old one leads by 60
    ranks = {
        name: queue_rank(policy, s, at)
        for name, (s, at) in {"old": old_standard, "vip": new_vip, "newer": newer_vip}.items()
    }
    assert ranks["vip"] > ranks["old"] > ranks["newer"]


def test_new_cards_are_queued_highest_priority_first() -> None:
    db = FakeDatabase()
    clock = ManualClock(T0)
    db.state.tiers["vic"] = "vip"
    run(db, tweet(1, "@SqueakyAir refund question", author="ann"), clock=clock)
    run(
        db,
        tweet(2, "@SqueakyAir stranded at the gate", author="bob"),
        tweet(3, "@SqueakyAir hello", author="vic"),
        clock=clock,
    )
    with db() as uow:
        leased = uow.outbox.lease_due(T0 + timedelta(seconds=1), 30, 10)
    assert [(m.kind, m.complaint_id) for m in leased] == [
        (CardPost.RESERVED_KIND, 3),
        (CardPost.KIND, 2),
        (CardPost.KIND, 1),
    ]
    assert db.state.complaints[3].tier == "vip" and db.state.complaints[2].topic == "delay/cancellation"


# --- threading -----------------------------------------------------------------


def test_reply_to_the_customers_tweet_joins_the_case_and_updates_the_card() -> None:
    db = FakeDatabase()
    run(db, tweet(1))
    result = run(db, tweet(2, "@SqueakyAir hello??", minutes=30, in_reply_to_id="1"))
    assert (result.threaded, result.opened) == (1, [])  # type: ignore[attr-defined]
    assert db.state.complaints[1].followup_count == 1
    assert db.state.messages[("x", "2")].note == REPLY
    kinds = sorted(row.message.kind for row in db.state.outbox.values())
    assert kinds == sorted([CardPost.KIND, CardFollowUp.KIND])  # the card is not out: when it is, it shows the count
    with db() as uow:
        uow.complaints.add_card(1, card_ref("C0CARE", "1000.000001"))
        uow.commit()
    run(db, tweet(3, "@SqueakyAir still nothing", minutes=40, in_reply_to_id="1"))
    kinds = sorted(row.message.kind for row in db.state.outbox.values())
    # the card out: its count moves
    assert kinds == sorted([CardPost.KIND, CardFollowUp.KIND, CardFollowUp.KIND, CardUpdate.KIND])


def test_reply_to_our_reply_joins_the_case() -> None:
    db = FakeDatabase()
    run(db, tweet(1))
    run(db, tweet(2, "@ann sorry! DM us", author="SqueakyAir", in_reply_to_id="1", from_brand=True))
    result = run(db, tweet(3, "@SqueakyAir done, sent", minutes=5, in_reply_to_id="2"))
    assert result.threaded == 1  # type: ignore[attr-defined]
    assert db.state.messages[("x", "2")].kind is MessageKind.BRAND
    assert db.state.complaints[1].followup_count == 1  # our reply is on the case, not counted as the customer's


def test_same_conversation_and_same_author_join_within_the_window_only() -> None:
    db = FakeDatabase()
    run(db, tweet(1, conversation_id="c1"))
    assert run(db, tweet(2, author="bob", conversation_id="c1")).threaded == 1  # type: ignore[attr-defined]
    assert db.state.messages[("x", "2")].note == CONVERSATION
    assert run(db, tweet(3, "@SqueakyAir still nothing", minutes=60)).threaded == 1  # type: ignore[attr-defined]
    assert db.state.messages[("x", "3")].note == SAME_AUTHOR
    later = run(db, tweet(4, "@SqueakyAir new problem", minutes=73 * 60))
    assert later.opened == [2]  # type: ignore[attr-defined]


def test_a_closed_case_does_not_collect_follow_ups() -> None:
    db = FakeDatabase()
    run(db, tweet(1))
    from dataclasses import replace

    db.state.complaints[1] = replace(db.state.complaints[1], status=Status.CLOSED)
    assert run(db, tweet(2, minutes=5, in_reply_to_id="1")).opened == [2]  # type: ignore[attr-defined]


def test_five_angry_tweets_in_one_batch_make_one_case() -> None:
    db = FakeDatabase()
    burst = [tweet(n, f"@SqueakyAir angry tweet {n}", minutes=n) for n in range(1, 6)]
    result = run(db, *reversed(burst))  # arrival order is not tweet order
    assert (result.opened, result.threaded) == ([1], 4)  # type: ignore[attr-defined]
    assert db.state.complaints[1].external_id == "1" and db.state.complaints[1].followup_count == 4


# --- the config file -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"noise": {"spam": "delete"}}, 'noise."spam" must be "filter" or "mark"'),
        ({"topics": [{"name": "x", "keywords": [], "patterns": ["(unclosed"]}]}, "not a valid regular expression"),
        ({"topics": [{"keywords": ["bag"]}]}, "topics[0].name is missing"),
        ({"priority": {"urgency_points": "lots"}}, "priority.urgency_points must be a number"),
        ({"threading": {"same_author_window_hours": -1}}, "must be 0 or more"),
    ],
)
def test_a_wrong_config_names_the_key(change: dict[str, object], message: str) -> None:
    with pytest.raises(TriageConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        parse_triage({**CONFIG, **change})


def test_the_shipped_config_is_valid_and_complete() -> None:
    assert isinstance(TRIAGE, Triage)
    assert {t.name for t in TRIAGE.topics.topics} == {"outage", "delay/cancellation", "baggage", "refund", "billing"}
    assert TRIAGE.same_author_window == timedelta(hours=72)


def test_the_vip_registry_imports_from_csv_and_reports_bad_lines() -> None:
    from handlers.intake.vip_registry import import_tiers

    db = FakeDatabase()
    csv_text = "handle,tier\n@maria_k,VIP\nbob,elite\n,vip\ncarol,gold\ndave\n\nemma ,standard\n"
    report = import_tiers(db, csv_text, {"vip", "elite", "standard"})
    assert report.stored == 3
    assert [line for line, _problem in report.problems] == [4, 5, 6]
    assert "gold" in report.problems[1][1] and "two columns" in report.problems[2][1]
    assert db.state.tiers == {"maria_k": "vip", "bob": "elite", "emma": "standard"}
    run(db, tweet(1, "@SqueakyAir where is my bag", author="maria_k"))
    assert db.state.complaints[1].tier == "vip" and db.state.complaints[1].priority == 50


def test_a_tier_is_registered_per_network() -> None:
    """`bsky:ann.bsky.social` is Ann on Bluesky only: the same name posting on X stays a standard customer."""
    db = FakeDatabase()
    with db() as uow:
        uow.customers.set_tier("bsky:ann.bsky.social", "elite")
        uow.customers.set_tier("mastodon:ann@mastodon.social", "vip")
        uow.commit()
    on_bluesky = replace(tweet(1, author="ann.bsky.social"), source="bsky", external_id="at://did:plc:a/p/1")
    on_mastodon = replace(tweet(2, author="ann@mastodon.social"), source="mastodon")
    on_x = tweet(3, author="ann.bsky.social", minutes=90)
    run(db, on_bluesky, on_mastodon, on_x)
    tiers = {c.source: c.tier for c in db.state.complaints.values()}
    assert tiers == {"bsky": "elite", "mastodon": "vip", "x": "standard"}


def test_a_case_waits_from_when_its_customer_posted_within_half_an_hour_of_its_arrival() -> None:
    arrived = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert posted_time(arrived - timedelta(minutes=12), arrived) == arrived - timedelta(minutes=12)  # a burst's pages
    assert posted_time(arrived + timedelta(minutes=5), arrived) == arrived  # a clock ahead cannot jump the queue
    assert posted_time(arrived - timedelta(days=15), arrived) == arrived - POSTED_WITHIN  # nor a replay of old posts
