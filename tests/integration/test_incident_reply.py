"""Acknowledging an incident at once, on both backends: the form says before sending whom the reply reaches, what it
costs and how long X's posting limit takes; each eligible complaint gets its own reply once (never twice, even if the
job runs again), after agents' own replies; a complaint waiting for an owner still waits; leads only."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from bot.x.length import XPostLength
from bot.x.rules import XRules
from handlers.cases import actions
from handlers.cases.claim import claim
from handlers.cases.errors import InvalidRequest, NotLead
from handlers.cases.reply_templates import ReplyTemplate
from handlers.cases.sources import Sources
from handlers.domain.complaint import Role, Status
from handlers.domain.outbox_kinds import SocialReply
from handlers.outbox.runner import OutboxRunner
from handlers.queues.incident import INCIDENT_RANK, IncidentDesk
from handlers.queues.incident import Incident as Scope
from handlers.queues.storm import check_storms
from storage.sql.tables import complaints, outbox
from tests.fakes import FakeSocial
from tests.integration.test_storm_mode import QUEUES, RULES, Storming
from tests.people import slack_person

pytestmark = pytest.mark.integration
TEMPLATE = ReplyTemplate("Outage", "Hi {name}, we know flights are delayed and we're on it. Case #{case}, DM us.")


class Incident(Storming):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        x = XRules(per_post=0.01, per_post_with_url=0.2)
        self.desk = IncidentDesk(self.uow, self.clock, Sources({"x": x}, x), QUEUES, [TEMPLATE])
        self.social = FakeSocial()
        self.runner = OutboxRunner(
            self.uow, self.clock, self.chat.faces(), social={"x": self.social}, incidents=self.desk
        )
        self.lead = slack_person(self.uow, "U0LEA", "lea", frozenset({Role.AGENT, Role.LEAD}))


def test_a_lead_answers_every_eligible_complaint_of_a_storm_once(engine: Engine) -> None:
    incident = Incident(engine)
    crowd = incident.arrive(230)
    with incident.engine.begin() as c:  # ten of them do not mention us: X lets us reply to none of those
        c.execute(complaints.update().where(complaints.c.id.in_(crowd[:10])).values(mentions_us=False))
        wide = complaints.update().where(complaints.c.id == crowd[200]).values(author_name="山田太郎山田太郎山田太郎")
        c.execute(wide)  # the widest name, deep in the crowd: its reply is the longest X counts
    assert check_storms(incident.uow, incident.clock, QUEUES, RULES) == [("care", "entered (230 cards held)")]

    form = incident.desk.form(incident.lead, "storm:care")
    assert (form.total, form.eligible, form.not_allowed) == (230, 220, 10)
    assert form.text == TEMPLATE.text and "mention or quote our account" in form.not_allowed_why
    assert form.cost == pytest.approx(2.20) and form.send_minutes == 30  # 100 now, 100 in 15 min, 20 in 30
    with incident.uow() as uow:
        widest = uow.complaints.get(crowd[200])
    assert widest is not None and form.longest is not None
    assert form.longest.length == XPostLength().measure(incident.desk.reply_for(TEMPLATE.text, widest)).length
    assert form.sample.startswith("Hi customer11, we know flights are delayed") and f"Case #{crowd[10]}" in form.sample
    assert "Reaches 220 of 230 complaints; 10 cannot be answered publicly" in form.summary()
    plain = incident.desk.form(incident.lead, "storm:care", "We are on it.")
    assert plain.sample == f"We are on it. (case #{crowd[10]})"  # no two replies alike: X refuses repeats
    with pytest.raises(InvalidRequest, match=r"the reply uses \{flight\}"):
        incident.desk.form(incident.lead, "storm:care", "About {flight}")
    with pytest.raises(NotLead, match="Only a team lead can acknowledge an incident"):
        incident.desk.form(incident.agent, "storm:care")
    with pytest.raises(InvalidRequest, match="Shorten it by"):
        incident.desk.send(incident.lead, "storm:care", "x" * 290)
    with pytest.raises(InvalidRequest, match="no storm on 'elite'"):
        incident.desk.form(incident.lead, "storm:elite")

    taken = crowd[20]
    claim(incident.uow, incident.clock, taken, incident.agent)
    incident.desk.send(incident.lead, "storm:care", TEMPLATE.text, status="We know about the delays; updates here.")
    incident.clock.advance(seconds=1)
    for _ in range(100):  # the job gives each complaint its reply, then the status post goes; a batch that ran a
        incident.runner.run_due(10)  # second gives back what it has not started, so a loaded machine needs many passes
        if ("", "We know about the delays; updates here.") in incident.social.posted:
            break
    with incident.engine.connect() as c:
        replies = c.execute(select(outbox.c.complaint_id, outbox.c.rank).where(outbox.c.kind == SocialReply.KIND)).all()
    assert len(replies) == 220 and {rank for _, rank in replies} == {INCIDENT_RANK}
    with incident.uow() as uow:
        waiting = uow.complaints.get(crowd[15])
        owned = uow.complaints.get(taken)
    assert waiting is not None and waiting.status is Status.NEW and waiting.reply is not None  # still waits
    assert owned is not None and owned.status is Status.ACKNOWLEDGED
    assert ("", "We know about the delays; updates here.") in incident.social.posted

    again = Scope("storm:care", "the storm on Care team", queue="care")
    assert incident.desk.reply_all(again, TEMPLATE.text, incident.lead) == (0, 0)  # run twice: nobody hears twice
    with incident.engine.connect() as c:
        assert len(c.execute(select(outbox.c.id).where(outbox.c.kind == SocialReply.KIND)).all()) == 220
    incident.deliver()
    said = [text for text, _ in incident.chat.announced if "acknowledged the storm on Care team publicly" in text]
    assert said and said[0].startswith("lea acknowledged the storm on Care team publicly: 220 complaints answered")


def test_agents_replies_go_ahead_of_an_incidents(engine: Engine) -> None:
    incident = Incident(engine)
    crowd = incident.arrive(40)
    check_storms(incident.uow, incident.clock, QUEUES, RULES)
    incident.desk.send(incident.lead, "storm:care", TEMPLATE.text)
    incident.runner.run_due(1)
    from handlers.cases.claim import claim

    late = incident.arrive(1)[0]
    claim(incident.uow, incident.clock, late, incident.agent)
    actions.acknowledge(incident.uow, incident.clock, late, incident.agent, "Sorry Ann, on it.", length=XPostLength())
    incident.clock.advance(seconds=1)
    incident.deliver()
    first = incident.social.posted[0]
    assert first[1] == "Sorry Ann, on it." and len(incident.social.posted) == 41 and crowd
