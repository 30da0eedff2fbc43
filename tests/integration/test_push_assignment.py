"""Push assignment on both backends: a queue that turns it on hands waiting complaints to available agents, round-
robin or least-loaded, within each one's cap; away means no more; a claim handed out and not acted upon goes back and
then to the next agent; agents and leads set it all from the team command, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.x.length import XPostLength
from handlers.cases import actions
from handlers.cases.claim import claim
from handlers.domain.complaint import Role
from handlers.domain.outbox_kinds import DirectMessage
from handlers.domain.queue import QueuePolicy, parse_queues
from handlers.queues.push import assign_waiting, pick
from handlers.team.command_answers import LeadDesk
from storage.sql.tables import audit_events, outbox
from tests.integration.test_storm_mode import Storming
from tests.people import slack_person

pytestmark = pytest.mark.integration
DEADLINE = timedelta(minutes=15)


def queues(mode: str, cap: int = 3) -> QueuePolicy:
    return parse_queues({"default": {"name": "care", "title": "Care team", "assign": {"mode": mode, "cap": cap}}})


class Desk(Storming):
    def __init__(self, engine: Engine, mode: str, cap: int = 3) -> None:
        super().__init__(engine)
        self.policy = queues(mode, cap)
        self.leads = LeadDesk(self.uow, self.clock, queues=self.policy)
        self.ann = slack_person(self.uow, "U0ANN", "ann")
        self.bo = slack_person(self.uow, "U0BO", "bo")
        self.cy = slack_person(self.uow, "U0CY", "cy")
        self.lea = slack_person(self.uow, "U0LEA", "lea", frozenset({Role.AGENT, Role.LEAD}))

    def assign(self) -> list[tuple[int, str]]:
        return assign_waiting(self.uow, self.clock, self.policy, DEADLINE)

    def owners(self, ids: list[int]) -> list[str | None]:
        with self.uow() as uow:
            found = [uow.complaints.get(i) for i in ids]
        return [c.owner.name if c and c.owner else None for c in found]


def test_round_robin_within_caps_away_and_a_claim_not_acted_on_goes_to_the_next_agent(engine: Engine) -> None:
    desk = Desk(engine, "round-robin", cap=2)
    for agent in (desk.ann, desk.bo, desk.cy):
        assert desk.leads.run(agent, "back").title.startswith("You're available")
    assert "You're away" in desk.leads.run(desk.cy, "away").title
    ids = desk.arrive(6)
    assert len(desk.assign()) == 4  # ann and bo, two each: their cap
    assert desk.owners(ids) == ["ann", "bo", "ann", "bo", None, None]
    with engine.connect() as c:
        told = c.execute(outbox.select().where(outbox.c.kind == DirectMessage.KIND)).mappings().all()
    assert len(told) == 4 and "Squeaky gave you #" in told[0]["payload"]["text"]
    assert desk.assign() == []  # everyone at their cap

    actions.acknowledge(desk.uow, desk.clock, ids[1], desk.bo, "On it, Bo here.", length=XPostLength())
    actions.move_to_ticket(desk.uow, desk.clock, ids[1], desk.bo, system="built-in", subject="Lost bag")
    desk.leads.run(desk.cy, "back")
    desk.clock.advance(minutes=16)
    expired = actions.expire_claims(desk.uow, desk.clock, DEADLINE)
    assert sorted(expired) == sorted([ids[0], ids[2], ids[3]])  # ann did nothing; bo left one
    handed = dict(desk.assign())
    assert handed[ids[0]] != str(desk.ann.id) and handed[ids[2]] != str(desk.ann.id)  # not back to ann
    assert all(owner is not None for owner in desk.owners(ids))
    with engine.connect() as c:
        assigned = c.execute(audit_events.select().where(audit_events.c.action == "assigned")).all()
    assert len(assigned) == 4 + len(handed)


def test_least_loaded_evens_the_load_and_leads_turn_it_on_and_off(engine: Engine) -> None:
    desk = Desk(engine, "off")
    ids = desk.arrive(4)
    for agent in (desk.ann, desk.bo):
        desk.leads.run(agent, "back care")
    assert desk.assign() == []  # off by default
    refused = desk.leads.run(desk.ann, "assign set care least-loaded cap 3")
    assert refused.refused and "Only team leads" in refused.title
    assert desk.leads.run(desk.lea, "assign set care least-loaded cap 3").lines == (
        "least-loaded, at most 3 open claims each",
    )
    held = desk.arrive(1)
    claim(desk.uow, desk.clock, held[0], desk.ann)  # ann already holds one
    desk.assign()
    assert desk.owners(ids) == ["bo", "ann", "bo", "ann"]  # the emptier first, then turn about: 3 and 2 held
    shown = desk.leads.run(desk.lea, "assign show").lines
    assert shown == ("care: least-loaded, at most 3 open claims each · 2 agent(s) available",)
    assert "no queue called 'nowhere'" in desk.leads.run(desk.ann, "back nowhere").title
    assert desk.leads.run(desk.lea, "assign set care off").lines == ("off (agents take complaints)",)


def test_picking_is_fair_and_skips_whose_claim_was_taken_back() -> None:
    agents = ["1", "2", "3"]
    assert pick("round-robin", agents, {}, 3, last="1", avoid=None) == "2"
    assert pick("round-robin", agents, {}, 3, last="3", avoid=None) == "1"
    assert pick("round-robin", agents, {"2": 3}, 3, last="1", avoid=None) == "3"
    assert pick("round-robin", agents, {}, 3, last="1", avoid="2") == "3"
    assert pick("least-loaded", agents, {"1": 2, "2": 0, "3": 1}, 3, last=None, avoid=None) == "2"
    assert pick("least-loaded", agents, {"1": 3, "2": 3, "3": 3}, 3, last=None, avoid=None) is None
    assert pick("least-loaded", ["1"], {}, 3, last=None, avoid="1") == "1"  # nobody else: back to them
