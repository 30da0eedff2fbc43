"""Suggested replies: past replies scrubbed of their customer, the nearest three of the same queue filled in for the
new one, and what the form says when there are none."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.domain.complaint import Complaint, IncomingComplaint, Status
from handlers.domain.suggestions import AnsweredCase, PastReply
from handlers.suggestions.history import answered, imported
from handlers.suggestions.scrub import fill, safe_name, scrub
from handlers.suggestions.suggest import NO_HISTORY, NONE_NEAR, Suggester
from storage.suggestions.tfidf import TfidfReplyIndex

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
VALUES = {"name": "Ann", "case": "42", "dm_link": "https://x.com/messages/compose", "handle": "@ann"}


def _complaint(text: str, queue: str = "care", name: str = "Ann Lee") -> Complaint:
    return Complaint(42, "x", "1", "9", "ann", name, text, T0, T0, Status.NEW, 1, queue=queue)


def test_a_greeting_name_a_case_number_and_a_signature_become_placeholders_or_go() -> None:
    assert scrub("Hi Sarah, we opened case #98765 for you. -KC") == "Hi {name}, we opened case #{case} for you."
    assert scrub("So sorry about that, Mike! We are on it ^JB") == "So sorry about that, {name}! We are on it"


def test_a_hostile_reply_keeps_no_live_mention_link_or_email() -> None:
    hostile = "@everyone Hello there, click https://evil.example.com/win or mail a@b.co and DM @scammer now please"
    scrubbed = scrub(hostile)
    assert scrubbed is not None
    assert "@" not in scrubbed and "http" not in scrubbed and "evil" not in scrubbed
    assert scrubbed.startswith("Hello there, click")


def test_a_link_to_our_dms_becomes_the_dm_link_and_long_references_go() -> None:
    scrubbed = scrub("Please DM us your booking ref ABC123 here: https://twitter.com/messages/compose?recipient_id=7")
    assert scrubbed == "Please DM us your booking ref here: {dm_link}"
    assert fill(scrubbed, VALUES) == "Please DM us your booking ref here: https://x.com/messages/compose"


def test_braces_in_a_past_reply_are_never_read_as_placeholders_and_a_bare_reply_is_nothing() -> None:
    assert scrub("We hear you {handle} and {0}, truly sorry") == "We hear you (handle) and (0), truly sorry"
    assert scrub("@ann ok ^JK") is None


def test_our_own_reply_loses_its_customer_handle_name_case_and_dm_link() -> None:
    case = AnsweredCase(
        "care", 42, "bag lost", "@ann Hi Ann, case #42 is open: DM us at https://x.com/dm", "ann", "Ann"
    )
    past = answered(case, "https://x.com/dm")
    assert past == PastReply("care", "bag lost", "Hi {name}, case #{case} is open: DM us at {dm_link}")


def test_a_name_that_tries_to_mention_or_link_is_written_as_letters() -> None:
    assert safe_name("@everyone https://x") == "everyone"
    assert safe_name("<!channel>") == "channel"


def test_the_first_brand_reply_to_each_customer_post_is_what_is_learned() -> None:
    def post(pid: str, author: str, text: str, minute: int, parent: str | None = None) -> IncomingComplaint:
        brand = not author.isdigit()
        brand = not author.isdigit()
        return IncomingComplaint(
            "twcs",
            pid,
            author,
            author,
            author,
            text,
            T0.replace(minute=minute),
            in_reply_to_id=parent,
            from_brand=brand,
        )

    posts = [
        post("1", "115", "@Delta my bag is lost", 0),
        post("3", "Delta", "@115 Hi Jo, second answer to your bag", 9, "1"),
        post("2", "Delta", "@115 Hi Jo, so sorry about the bag, DM us", 5, "1"),
        post("4", "AmazonHelp", "@116 orphan reply to nobody we know", 6, "99"),
    ]
    assert imported(posts) == [PastReply("Delta", "@Delta my bag is lost", "Hi {name}, so sorry about the bag, DM us")]
    assert imported(posts, {"Delta": "care"})[0].brand == "care"
    assert imported(posts, {"AmazonHelp": "care"}) == []


def _suggester(history: list[PastReply]) -> Suggester:
    return Suggester(TfidfReplyIndex.build(history))


def test_the_nearest_three_different_replies_of_the_same_queue_come_filled_in() -> None:
    history = [
        PastReply("care", "my suitcase was lost on the flight", "Hi {name}, so sorry about your bag: case {case}."),
        PastReply("care", "lost my suitcase at the airport", "Hi {name}, so sorry about your bag: case {case}."),
        PastReply("care", "lost luggage, no bag at the belt", "We will find your bag, {name}. DM us: {dm_link}"),
        PastReply("care", "bag never arrived, lost", "Bags go missing rarely; tell us the tag number in a DM."),
        PastReply("care", "refund for my ticket please", "Refunds take five days."),
        PastReply("other", "my suitcase was lost", "Another brand's words."),
    ]
    found = _suggester(history).for_complaint(_complaint("they lost my suitcase"), VALUES)
    assert len(found.replies) == 3 and found.note == ""
    assert found.replies[0] == "Hi Ann, so sorry about your bag: case 42."
    assert "We will find your bag, Ann. DM us: https://x.com/messages/compose" in found.replies
    assert all("Another brand" not in r for r in found.replies)


def test_no_history_a_one_reply_queue_and_nothing_near_each_say_so() -> None:
    assert _suggester([]).for_complaint(_complaint("lost bag"), VALUES).note == NO_HISTORY
    one = _suggester([PastReply("care", "my bag is lost", "So sorry, {name}, we are looking for it.")])
    assert one.for_complaint(_complaint("bag lost again"), VALUES).replies == ("So sorry, Ann, we are looking for it.",)
    assert one.for_complaint(_complaint("zzzz qqqq"), VALUES).note == NONE_NEAR


def test_a_customer_without_a_name_gets_a_greeting_without_one() -> None:
    one = _suggester([PastReply("care", "my bag is lost", "Hi {name}, we are looking for your bag.")])
    found = one.for_complaint(_complaint("bag lost", name="@@@"), dict(VALUES, name="@@@"))
    assert found.replies == ("Hi, we are looking for your bag.",)
