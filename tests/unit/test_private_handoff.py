"""The private hand-off on fakes: "Move to DMs" decides once, the outbox sends once, the card shows the conversation
or the network's refusal (and offers the public reply again), and networks without a private channel say so."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.mastodon.rules import MastodonRules
from bot.slack import action_ids
from bot.slack.blocks import card_blocks
from bot.teams.cards import complaint_card
from bot.x.length import XPostLength
from handlers.cases import actions
from handlers.cases.agent_desk import ActionRequest
from handlers.cases.card_view import card_for
from handlers.cases.claim import claim
from handlers.cases.errors import InvalidRequest, NotOwner
from handlers.cases.sources import OpenSource, Sources
from handlers.domain.complaint import Action, Actor, Delivery, IncomingComplaint, Status
from handlers.domain.outbox_kinds import PrivateMessage
from handlers.intake.private_answers import rating_in
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.offline.deliveries import PrivateDeliveries
from handlers.offline.handoff import Handoff
from handlers.offline.survey import Closing
from handlers.outbox.runner import OutboxRunner
from handlers.ports.clock import ManualClock
from handlers.ports.gateways import DeliveryFailed
from tests.fakes import FakeChat, FakeDatabase, FakeDedupe
from tests.fakes.gateways import FakePrivate

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
MARIA = Actor("U0MARIA", "maria", "slack")
JON = Actor("U0JON", "jon", "slack")
SOURCES = Sources({"mastodon": MastodonRules()}, other=OpenSource("the network", XPostLength()))


class World:
    def __init__(self, source: str = "mastodon") -> None:
        self.db, self.clock, self.chat, self.private = FakeDatabase(), ManualClock(T0), FakeChat(), FakePrivate()
        sender = PrivateDeliveries(self.db, self.clock, {"mastodon": self.private})
        self.runner = OutboxRunner(self.db, self.clock, self.chat.faces(), more={PrivateMessage: sender.send})
        self.handoff = Handoff(self.db, self.clock, SOURCES)
        incoming = IncomingComplaint(source, "100", "9", "ann@social.example", "Ann Lee", "@squeakyair bag lost", T0)
        [self.id] = receive(self.db, self.clock, FakeDedupe(), Triage(), [incoming]).opened
        claim(self.db, self.clock, self.id, MARIA)
        self.drain()

    def drain(self) -> None:
        for _ in range(5):
            self.runner.run_due()
            self.clock.advance(seconds=400)

    def move(self, who: Actor = MARIA, text: str = "") -> None:
        self.handoff.move_to_dms(ActionRequest(who, self.id, Action.PRIVATE, {"text": text} if text else {}))

    @property
    def complaint(self):  # type: ignore[no-untyped-def]
        return self.db.state.complaints[self.id]


@pytest.fixture
def world() -> World:
    return World()


def test_move_to_dms_sends_the_template_with_the_case_number_once(world: World) -> None:
    assert Action.PRIVATE in card_for(world.complaint, T0, source=SOURCES.of("mastodon")).actions
    world.move()
    assert world.complaint.status is Status.ACKNOWLEDGED and world.complaint.private.status is Delivery.PENDING
    world.drain()
    [(to, text, _key)] = world.private.sent
    assert to == "ann@social.example" and text.startswith("Hi Ann,") and f"case #{world.id}" in text
    assert (world.complaint.private.status, world.complaint.private.conversation_id) == (Delivery.SENT, "conv-1")
    card = world.chat.updated[-1][1]
    assert card.private == world.complaint.private and Action.PRIVATE not in card.actions
    assert [line.text for _ref, line in world.chat.activity][-1] == "moved this to a private conversation on Mastodon"
    with pytest.raises(InvalidRequest, match="in a private conversation already"):
        world.move()


def test_a_refusal_is_kept_in_the_networks_words_and_both_ways_stay_offered(world: World) -> None:
    world.private.fail_with = DeliveryFailed("You cannot send messages to this user", permanent=True)
    world.move()
    world.drain()
    private = world.complaint.private
    assert (private.status, private.error) == (Delivery.FAILED, "You cannot send messages to this user")
    actions = card_for(world.complaint, T0, source=SOURCES.of("mastodon")).actions
    assert Action.ACKNOWLEDGE in actions and Action.PRIVATE in actions
    world.private.fail_with = None
    world.move(text="Hi Ann, it's us again about your bag.")
    world.drain()
    assert world.complaint.private.status is Delivery.SENT
    assert [text for _to, text, _key in world.private.sent] == ["Hi Ann, it's us again about your bag."]


def test_an_outage_that_hid_a_sent_message_does_not_send_it_twice(world: World) -> None:
    world.private.fail_with = DeliveryFailed("Mastodon is failing (503)", outage=True)
    world.private.landed_anyway = True
    world.move()
    world.runner.run_due()
    assert world.complaint.private.status is Delivery.PENDING
    world.private.fail_with = None
    world.drain()
    assert len(world.private.sent) == 1 and world.complaint.private.status is Delivery.SENT


def test_only_the_owner_moves_a_case_to_dms_and_a_network_without_a_private_channel_says_so() -> None:
    world = World()
    with pytest.raises(NotOwner, match="can move this to DMs"):
        world.move(JON)
    other = World(source="intake")
    assert Action.PRIVATE not in card_for(other.complaint, T0, source=SOURCES.of("intake")).actions
    with pytest.raises(InvalidRequest, match="no private channel"):
        other.move()
    assert world.private.sent == [] and other.private.sent == []


def test_both_faces_draw_move_to_dms_beside_move_to_ticket_and_the_refusal_in_the_networks_words(
    world: World,
) -> None:
    card = card_for(world.complaint, T0, source=SOURCES.of("mastodon"))
    slack = json.dumps(card_blocks(card))
    assert slack.index('"Move to ticket"') < slack.index('"Move to DMs"') and action_ids.PRIVATE in slack
    teams = json.dumps(complaint_card(card).model_dump(by_alias=True, exclude_none=True))
    assert '"title": "Move to DMs"' in teams and '"verb": "private"' in teams
    world.private.fail_with = DeliveryFailed("recipient has disabled incoming messages", permanent=True)
    world.move()
    world.drain()
    refused = card_for(world.complaint, T0, source=SOURCES.of("mastodon"))
    said = "refused the private message*: recipient has disabled incoming messages. Reply publicly instead."
    assert said in json.dumps(card_blocks(refused))
    teams = json.dumps(complaint_card(refused).model_dump(by_alias=True, exclude_none=True))
    assert "recipient has disabled incoming messages. Reply publicly instead." in teams


# --- satisfaction ----------------------------------------------------------------------------------------------


def private_answer(world: World, text: str, post: str = "r1") -> None:
    """The customer writes to the brand privately (a direct status answering ours)."""
    world.clock.advance(seconds=300)
    at = world.clock.now()
    incoming = IncomingComplaint(
        "mastodon", post, "9", "ann@social.example", "Ann Lee", text, at,
        in_reply_to_id="conv-1", visibility="direct",
    )  # fmt: skip
    receive(world.db, world.clock, FakeDedupe(), Triage(), [incoming])
    world.drain()


def close(world: World) -> None:
    Closing(world.db, world.clock).close(ActionRequest(MARIA, world.id, Action.CLOSE))
    world.drain()


def test_closing_asks_once_privately_and_the_rating_is_kept_with_the_case(world: World) -> None:
    world.move()
    world.drain()
    close(world)
    asked = world.private.sent[-1][1]
    assert f"Case #{world.id} is closed" in asked and len(world.private.sent) == 2
    private_answer(world, "@squeakyair 4")
    assert world.db.state.surveys[world.id][1] == 4
    assert world.db.state.messages[("mastodon", "r1")].note == "answered privately: satisfaction 4 of 5"
    private_answer(world, "@squeakyair 1", "r2")  # the first answer stands; a second is a new post, not a rating
    assert world.db.state.surveys[world.id][1] == 4


def test_no_private_conversation_no_survey_and_a_public_one_never(world: World) -> None:
    actions.acknowledge(world.db, world.clock, world.id, MARIA, "Sorry Ann, DM us", length=XPostLength())
    close(world)
    assert world.private.sent == [] and world.db.state.surveys == {}


def test_stop_ends_every_private_message_to_the_customer(world: World) -> None:
    world.move()
    world.drain()
    private_answer(world, "STOP")
    assert world.db.state.stops == {("mastodon", "ann@social.example")}
    close(world)
    assert len(world.private.sent) == 1  # the hand-off only: no survey
    other = World()
    other.db.state.stops.add(("mastodon", "ann@social.example"))
    with pytest.raises(InvalidRequest, match="answered STOP"):
        other.move()


@pytest.mark.parametrize(
    ("text", "rating"),
    [("4", 4), ("@squeakyair 5/5", 5), ("3 stars", 3), ("1!", 1), ("6", None), ("1 more thing: my bag", None)],
)
def test_a_rating_is_a_message_that_says_only_that(text: str, rating: int | None) -> None:
    assert rating_in(text) == rating
