"""The outbox's typed messages: each kind back from its stored payload as it was, in its own lane and channel order;
rows stored under a former kind name still read, and a row no kind reads is given up with the reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.domain.activity import ActivityLine
from handlers.domain.complaint import Actor, Role
from handlers.domain.outbox_kinds import (
    FORMER_NAMES,
    KINDS,
    Announcement,
    CardFollowUp,
    CardMove,
    CardPost,
    CardUpdate,
    DirectMessage,
    IncidentReplies,
    Outgoing,
    Page,
    PrivateMessage,
    SocialReply,
    StatusPost,
    ThreadLine,
    TicketComment,
    TicketCreate,
    UnreadableMessage,
    parse,
)
from handlers.outbox.runner import OutboxRunner
from handlers.ports.clock import ManualClock
from handlers.ports.outbox import NewOutboxMessage, OutboxMessage
from tests.fakes import FakeChat, FakeDatabase
from tests.fakes.state import _OutboxRow

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LEAD = Actor("p1", "lee", "teams", frozenset({Role.AGENT, Role.LEAD}))  # as an incident reply keeps its lead
ON_SLACK = {"surface": "slack", "channel": "C0CARE"}

EVERY_KIND: list[Outgoing] = [
    CardPost(**ON_SLACK),
    CardPost(reserved=True, **ON_SLACK),
    CardUpdate(**ON_SLACK),
    CardFollowUp(source="bsky", external_id="at://post/1", **ON_SLACK),
    ThreadLine(line=ActivityLine(Actor("p2", "maria", "slack", handles={"slack": "U0M"}), "claimed"), **ON_SLACK),
    CardMove(title="Refunds", **ON_SLACK),
    DirectMessage(user="p2", text="you have #4", **ON_SLACK),
    Announcement(text="late", alert="a1", leads=True, group={"slack": ("U0L",)}, take_next="care", **ON_SLACK),
    SocialReply(source="mastodon"),
    PrivateMessage(source="bsky"),
    StatusPost(text="We are on it"),
    TicketCreate(priority="high", notes="VIP", contact="ann@example.com"),
    TicketComment(source="x", external_id="dm:1900000000000000001", complaint=4),
    Page(action="trigger", alert="squeaky-complaint-4", summary="New", user="p3"),
    IncidentReplies(incident="spike:delays", title="Delays", since=T0, text="Sorry, {name}", lead=LEAD),
]


@pytest.mark.parametrize("body", EVERY_KIND, ids=lambda body: body.kind)
def test_each_kind_comes_back_from_its_stored_payload_as_it_was(body: Outgoing) -> None:
    back = parse(body.kind, body.to_payload())
    assert back == body and type(back) is type(body)


def test_every_kind_is_named_once_and_no_name_speaks_of_one_network() -> None:
    assert {body.kind for body in EVERY_KIND} == set(KINDS)
    assert not any(name.startswith("x.") for name in KINDS)


def test_lanes_keep_each_budget_apart_and_ordered_kinds_hold_their_channel() -> None:
    lanes = {body.kind: body.lane for body in EVERY_KIND}
    assert lanes == {
        "card.post": "slack:C0CARE",
        "card.post.reserved": "slack:C0CARE:reserve",  # a VIP card's reserved slot
        "card.update": "slack:C0CARE:update",
        "card.followup": "slack:C0CARE",
        "card.thread_line": "slack:C0CARE:lines",  # a line held back by the pace holds back no card
        "card.move": "slack:C0CARE",
        "chat.direct_message": "slack:dm",
        "chat.announcement": "slack:C0CARE",
        "social.reply": "social:mastodon",  # each network its own
        "social.private": "private:bsky",  # apart from public posts: X counts direct messages on their own
        "social.status": "social:x",
        "ticket.create": "tickets",
        "ticket.comment": "tickets:4",  # each case's ticket its own: Zendesk limits the updates of one ticket
        "pager.page": "pager",
        "incident.replies": "incidents",
    }
    ordered = {body.kind for body in EVERY_KIND if body.ordering == "slack:C0CARE"}
    assert ordered == {"card.post", "card.followup", "card.thread_line", "card.move", "chat.announcement"}


def test_rows_stored_under_a_former_name_read_as_the_kind_they_were() -> None:
    assert parse("x.reply", {}) == SocialReply(source="x")  # written when X was the only network
    assert parse("x.reply", {"source": "bsky"}).lane == "social:bsky"
    assert parse("chat.dm", {"user": "p2", "text": "hi", **ON_SLACK}) == DirectMessage(user="p2", text="hi", **ON_SLACK)
    assert parse("page", {"action": "resolve", "alert": "a1"}) == Page(action="resolve", alert="a1")
    assert {type(parse(old, _payload_of(new))) for old, new in FORMER_NAMES.items()} == {
        KINDS[new] for new in FORMER_NAMES.values()
    }


def _payload_of(kind: str) -> dict[str, object]:
    return next(body.to_payload() for body in EVERY_KIND if body.kind == kind)


def test_an_unknown_kind_or_an_incomplete_payload_cannot_be_read() -> None:
    with pytest.raises(UnreadableMessage, match=r"unknown outbox kind 'fax\.send'"):
        parse("fax.send", {})
    with pytest.raises(UnreadableMessage, match=r"chat\.direct_message"):
        parse("chat.direct_message", {"text": "to nobody"})


def test_the_runner_gives_up_a_message_it_cannot_read_and_carries_on() -> None:
    db, clock, chat = FakeDatabase(), ManualClock(T0), FakeChat()
    with db() as uow:
        uow.outbox.enqueue_many([NewOutboxMessage(Announcement(text="hello", surface="chat"), "ok", None)])
        uow.commit()
    odd = OutboxMessage(2, "fax.send", "odd", None, {}, 0, 0)  # a kind no version of Squeaky knows
    db.state.outbox[2] = _OutboxRow(odd, lane="fax.send", ordering=None)
    assert OutboxRunner(db, clock, chat.faces()).run_due() == 2
    assert [text for text, _leads in chat.announced] == ["hello"]
    assert (db.state.outbox[2].status, db.state.outbox[2].last_error) == ("failed", "unknown outbox kind 'fax.send'")
