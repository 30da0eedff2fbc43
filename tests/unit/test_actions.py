"""The agent's actions on fakes: public replies, tickets, permissions, dismiss, merge, escalate, claim expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.x.length import XPostLength
from handlers.cases import actions
from handlers.cases.claim import claim
from handlers.cases.errors import IllegalTransition, InvalidRequest, NotOnTeam, NotOwner
from handlers.cases.reply_templates import ReplyTemplate, TemplateError, available, check, render
from handlers.domain.complaint import Actor, Delivery, IncomingComplaint, Role, Status
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.outbox.runner import OutboxRunner
from handlers.ports.clock import ManualClock
from handlers.ports.gateways import DeliveryFailed
from tests.fakes import FakeChat, FakeDatabase, FakeDedupe, FakeSocial, FakeTickets

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
MARIA = Actor("U0MARIA", "maria", "slack")
JON = Actor("U0JON", "jon", "slack")
LEAD = Actor("U0LEA", "lea", "slack", frozenset({Role.AGENT, Role.LEAD}))
OUTSIDER = Actor("U0EVE", "eve", "slack", frozenset())

X_LENGTH = XPostLength()


class World:
    def __init__(self) -> None:
        self.db, self.clock, self.chat = FakeDatabase(), ManualClock(T0), FakeChat()
        self.social, self.tickets = FakeSocial(), FakeTickets()
        self.runner = OutboxRunner(
            self.db, self.clock, self.chat.faces(), social={"x": self.social}, tickets=self.tickets
        )
        incoming = IncomingComplaint("x", "100", "9", "ann", "Ann Lee", "@SqueakyAir my bag is lost", T0)
        [self.id] = receive(self.db, self.clock, FakeDedupe(), Triage(), [incoming]).opened
        self.drain()

    def drain(self) -> None:
        for _ in range(5):
            self.runner.run_due()
            self.clock.advance(seconds=400)

    @property
    def complaint(self):  # type: ignore[no-untyped-def]
        return self.db.state.complaints[self.id]


@pytest.fixture
def world() -> World:
    return World()


def test_a_public_reply_goes_out_once_and_the_card_shows_its_link(world: World) -> None:
    claim(world.db, world.clock, world.id, MARIA)
    actions.acknowledge(
        world.db, world.clock, world.id, MARIA, "Hi Ann, we hear you. DM us your booking ref.", length=X_LENGTH
    )
    assert world.complaint.status is Status.ACKNOWLEDGED and world.complaint.reply.status is Delivery.PENDING
    world.drain()
    assert world.social.posted == [("100", "Hi Ann, we hear you. DM us your booking ref.")]
    reply = world.complaint.reply
    assert (reply.status, reply.url) == (Delivery.SENT, "https://x.com/SqueakyAir/status/91")
    assert world.chat.updated[-1][1].reply == reply  # the card shows it
    assert [line.text for _ref, line in world.chat.activity][-1].startswith("replied publicly")


def test_a_refused_reply_shows_xs_reason_and_can_be_tried_again(world: World) -> None:
    claim(world.db, world.clock, world.id, MARIA)
    world.social.fail_with = DeliveryFailed("X refused the reply: not mentioned", permanent=True)
    actions.acknowledge(world.db, world.clock, world.id, MARIA, "Hello", length=X_LENGTH)
    world.drain()
    assert (world.complaint.reply.status, world.complaint.reply.error) == (
        Delivery.FAILED,
        "X refused the reply: not mentioned",
    )
    world.social.fail_with = None
    actions.acknowledge(world.db, world.clock, world.id, MARIA, "Hello again", length=X_LENGTH)
    world.drain()
    assert world.complaint.reply.status is Delivery.SENT and world.social.posted == [("100", "Hello again")]
    with pytest.raises(IllegalTransition):
        actions.acknowledge(world.db, world.clock, world.id, MARIA, "a third time", length=X_LENGTH)


def test_an_outage_is_retried_and_a_reply_that_did_go_out_is_not_posted_again(world: World) -> None:
    claim(world.db, world.clock, world.id, MARIA)
    world.social.fail_with = DeliveryFailed("X is failing (503)")
    actions.acknowledge(world.db, world.clock, world.id, MARIA, "Hello", length=X_LENGTH)
    world.runner.run_due()
    assert world.complaint.reply.status is Delivery.PENDING
    world.social.fail_with = None
    world.social.out_there.append("100")  # the 503 hid a post that did land
    world.drain()
    assert world.social.posted == [] and world.complaint.reply.post_id == "77"


def test_a_reply_over_280_the_way_x_counts_is_refused_before_anything_changes(world: World) -> None:
    claim(world.db, world.clock, world.id, MARIA)
    with pytest.raises(InvalidRequest, match="281 characters"):
        actions.acknowledge(world.db, world.clock, world.id, MARIA, "x" * 281, length=X_LENGTH)
    assert world.complaint.status is Status.CLAIMED
    assert X_LENGTH.measure("日本" * 70).length == 280
    assert X_LENGTH.measure("see https://example.com/" + "a" * 100).length == 27


def test_a_ticket_stays_pending_while_the_system_is_down_then_carries_the_conversation(world: World) -> None:
    claim(world.db, world.clock, world.id, MARIA)
    world.tickets.fail_with = DeliveryFailed("the ticketing webhook is unreachable (ConnectionError)")
    actions.move_to_ticket(world.db, world.clock, world.id, MARIA, system="built-in", subject="Lost bag", notes="VIP")
    world.runner.run_due()
    ticket = world.complaint.ticket
    assert (world.complaint.status, ticket.status) == (Status.TICKETED, Delivery.PENDING)
    assert ticket.error == "retrying: the ticketing webhook is unreachable (ConnectionError)"
    world.tickets.fail_with = None
    world.drain()
    assert (world.complaint.ticket.status, world.complaint.ticket.number) == (Delivery.SENT, "SQ-1")
    [request] = world.tickets.requests
    assert request.notes == "VIP" and request.conversation[0][1] == "@SqueakyAir my bag is lost"
    assert request.card_url and request.card_url.startswith("https://chat.invalid/")
    actions.close(world.db, world.clock, world.id, MARIA)
    assert world.complaint.status is Status.CLOSED


def test_the_reply_can_follow_the_ticket_and_quote_its_number(world: World) -> None:
    claim(world.db, world.clock, world.id, MARIA)
    actions.move_to_ticket(world.db, world.clock, world.id, MARIA, system="built-in", subject="Lost bag")
    world.drain()
    template = ReplyTemplate("Ticket opened", "Hi {name}, ticket {ticket} is open. {dm_link}")
    assert available([template], world.complaint) == [template]
    text = render(template, world.complaint, "https://x.com/messages/compose")
    assert text == "Hi Ann, ticket SQ-1 is open. https://x.com/messages/compose"
    actions.acknowledge(world.db, world.clock, world.id, MARIA, text, length=X_LENGTH)
    assert world.complaint.status is Status.TICKETED  # a reply after the ticket keeps the ticketed state


def test_outsiders_are_refused_and_the_refusal_is_audited(world: World) -> None:
    with pytest.raises(NotOnTeam, match="not on the care team"):
        claim(world.db, world.clock, world.id, OUTSIDER)
    assert [e.action for e in world.db.state.audit] == ["refused:claim"]
    assert world.complaint.status is Status.NEW


def test_a_lead_may_reassign_anyones_claim_an_agent_only_their_own(world: World) -> None:
    claim(world.db, world.clock, world.id, MARIA)
    with pytest.raises(NotOwner, match="or a team lead"):
        actions.reassign(world.db, world.clock, world.id, JON, JON)
    actions.reassign(world.db, world.clock, world.id, LEAD, JON)
    assert world.complaint.owner == JON
    actions.reassign(world.db, world.clock, world.id, JON, MARIA)
    assert world.complaint.owner == MARIA


def test_dismiss_needs_a_reason_and_merge_an_open_case(world: World) -> None:
    with pytest.raises(InvalidRequest, match="Say why"):
        actions.dismiss(world.db, world.clock, world.id, MARIA, "")
    with pytest.raises(InvalidRequest, match="#99 is not an open complaint"):
        actions.merge(world.db, world.clock, world.id, MARIA, 99)
    other = IncomingComplaint("x", "200", "8", "bob", "Bob", "@SqueakyAir me too", T0)
    [other_id] = receive(world.db, world.clock, FakeDedupe(), Triage(), [other]).opened
    actions.merge(world.db, world.clock, other_id, MARIA, world.id)
    assert (world.db.state.complaints[other_id].status, world.db.state.complaints[other_id].merged_into) == (
        Status.MERGED,
        world.id,
    )
    actions.dismiss(world.db, world.clock, world.id, MARIA, "spam")
    assert (world.complaint.status, world.complaint.dismiss_reason) == (Status.DISMISSED, "spam")


def test_escalation_pings_on_call_with_the_card(world: World) -> None:
    with pytest.raises(InvalidRequest, match="Nobody is on call"):
        actions.escalate(world.db, world.clock, world.id, MARIA, None)
    actions.escalate(world.db, world.clock, world.id, MARIA, "U0ONCALL")
    world.drain()
    [(user, text, ref)] = world.chat.notified
    assert (
        user == "U0ONCALL"
        and "@maria escalated complaint #1 from @ann" in text
        and ref == world.complaint.card_on("chat")
    )
    assert world.db.state.audit[-1].action == "escalate"


def test_a_claim_nobody_acted_on_goes_back_to_the_queue(world: World) -> None:
    claim(world.db, world.clock, world.id, MARIA)
    world.clock.advance(minutes=10)
    assert actions.expire_claims(world.db, world.clock, timedelta(minutes=15)) == []
    world.clock.advance(minutes=6)
    assert actions.expire_claims(world.db, world.clock, timedelta(minutes=15)) == [world.id]
    assert world.complaint.status is Status.NEW and world.complaint.owner is None
    world.drain()
    assert "took back the claim of @maria" in world.chat.activity[-1][1].text


def test_templates_name_only_known_placeholders() -> None:
    with pytest.raises(TemplateError, match="booking"):
        check(ReplyTemplate("bad", "Hi {name}, your {booking}"))


def test_the_card_updates_of_a_burst_of_claims_go_before_their_thread_lines(world: World) -> None:
    more = [IncomingComplaint("x", str(200 + n), "9", f"c{n}", "C", "@SqueakyAir late", T0) for n in range(3)]
    ids = [world.id, *receive(world.db, world.clock, FakeDedupe(), Triage(), more).opened]
    world.drain()
    for n, complaint_id in enumerate(ids):
        claim(world.db, world.clock, complaint_id, Actor(f"U0A{n}", f"agent{n}", "slack"))
    with world.db() as uow:
        leased = uow.outbox.lease_due(world.clock.now(), 30, 50, owner="a worker")
    assert [m.kind for m in leased] == ["card.update"] * 4 + ["card.thread_line"] * 4  # cards first, lines after
