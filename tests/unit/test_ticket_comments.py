"""The private conversation joins the ticket, on fakes: a private message on a case whose ticket is out is added to
it once, the customer's and ours alike; a ticket made later carries those before it and adds none again; a case with
no ticket adds nothing; a refusal is said in the card's thread with the words."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.mastodon.rules import MastodonRules
from bot.x.length import XPostLength
from handlers.cases import actions
from handlers.cases.agent_desk import ActionRequest
from handlers.cases.claim import claim
from handlers.cases.sources import OpenSource, Sources
from handlers.domain.complaint import Action, Actor, IncomingComplaint
from handlers.domain.outbox_kinds import PrivateMessage, TicketComment
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.offline.deliveries import PrivateDeliveries
from handlers.offline.handoff import Handoff
from handlers.offline.ticket_comments import TicketComments
from handlers.outbox.runner import OutboxRunner
from handlers.ports.clock import ManualClock
from handlers.ports.gateways import DeliveryFailed
from tests.fakes import FakeChat, FakeDatabase, FakeDedupe, FakeTickets
from tests.fakes.gateways import FakePrivate

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
MARIA = Actor("U0MARIA", "maria", "slack")
SOURCES = Sources({"mastodon": MastodonRules()}, other=OpenSource("the network", XPostLength()))
ANN = "ann@social.example"


class World:
    def __init__(self) -> None:
        self.db, self.clock, self.chat = FakeDatabase(), ManualClock(T0), FakeChat()
        self.private, self.tickets = FakePrivate(), FakeTickets()
        sender = PrivateDeliveries(self.db, self.clock, {"mastodon": self.private})
        more = {PrivateMessage: sender.send, TicketComment: TicketComments(self.db, self.tickets).add}
        self.runner = OutboxRunner(self.db, self.clock, self.chat.faces(), tickets=self.tickets, more=more)
        self.handoff = Handoff(self.db, self.clock, SOURCES)
        self.posts = 100
        [self.id] = receive(self.db, self.clock, FakeDedupe(), Triage(), [self.post("@squeakyair bag lost")]).opened
        claim(self.db, self.clock, self.id, MARIA)
        self.drain()

    def post(self, text: str, visibility: str | None = None) -> IncomingComplaint:
        self.posts += 1  # written now, as the network stamps it
        return IncomingComplaint(
            "mastodon", str(self.posts), "9", ANN, "Ann Lee", text, self.clock.now(), visibility=visibility
        )

    def answer(self, text: str) -> None:
        """Ann answers privately (a direct post)."""
        self.clock.advance(seconds=60)
        receive(self.db, self.clock, FakeDedupe(), Triage(), [self.post(text, "direct")])
        self.drain()

    def drain(self) -> None:
        for _ in range(5):
            self.runner.run_due()
            self.clock.advance(seconds=400)

    def to_dms(self) -> None:
        self.handoff.move_to_dms(ActionRequest(MARIA, self.id, Action.PRIVATE, {}))
        self.drain()

    def to_ticket(self) -> None:
        actions.move_to_ticket(self.db, self.clock, self.id, MARIA, system="built-in", subject="Lost bag")
        self.drain()


def test_a_private_answer_after_the_ticket_is_added_to_it_once_and_so_is_ours() -> None:
    world = World()
    world.to_dms()
    world.to_ticket()
    [request] = world.tickets.requests
    assert [(said.author, said.private) for said in request.conversation] == [(ANN, False), ("us", True)]
    world.answer("@squeakyair red suitcase, ref QX7")
    [added] = world.tickets.comments
    assert (added.ticket, added.said.text, added.said.private, added.ours) == (
        "SQ-1", "@squeakyair red suitcase, ref QX7", True, False
    )  # fmt: skip
    world.handoff.reply_privately(ActionRequest(MARIA, world.id, Action.PRIVATE_REPLY, {"text": "Found it."}))
    world.drain()
    ours = world.tickets.comments[-1]
    assert (ours.said.text, ours.ours, len(world.tickets.comments)) == ("Found it.", True, 2)
    world.drain()
    assert len(world.tickets.comments) == 2  # worked again: each added once


def test_a_ticket_made_after_the_answers_carries_them_and_adds_none_again() -> None:
    world = World()
    world.to_dms()
    world.answer("@squeakyair red suitcase, ref QX7")
    world.to_ticket()
    [request] = world.tickets.requests
    assert [said.private for said in request.conversation] == [False, True, True]
    assert request.conversation[-1].text == "@squeakyair red suitcase, ref QX7"
    assert world.tickets.comments == []


def test_without_a_ticket_a_private_answer_queues_nothing_for_one() -> None:
    world = World()
    world.to_dms()
    world.answer("@squeakyair red suitcase, ref QX7")
    kinds = {row.message.kind for row in world.db.state.outbox.values()}
    assert TicketComment.KIND not in kinds and world.tickets.comments == []


def test_a_refused_addition_is_said_in_the_thread_with_its_words() -> None:
    world = World()
    world.to_dms()
    world.to_ticket()
    world.tickets.fail_with = DeliveryFailed("Zendesk refused the comment: closed", permanent=True)
    world.answer("@squeakyair red suitcase, ref QX7")
    said = [line.text for _ref, line in world.chat.activity][-1]
    assert said == (
        "could not add a private message to ticket SQ-1 in built-in: Zendesk refused the comment: closed. "
        "It said: @squeakyair red suitcase, ref QX7"
    )
