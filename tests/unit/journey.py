"""A whole agent journey through the core's application service, on a chat tool that is neither Slack nor Teams: a
card arrives, two agents click Claim together, the winner opens the reply form and sends, opens the ticket form and
files it, escalates, and a lead sets who is on call. Imported by test_journey, in-process and in a fresh interpreter
(to show that nothing on this path imports Slack)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from handlers.cases.agent_desk import ActionRequest, AgentDesk
from handlers.cases.forms import ReplyForm, TicketForm
from handlers.cases.reply_templates import ReplyTemplate
from handlers.cases.sources import OpenSource, Sources
from handlers.domain.complaint import Action, Complaint, IncomingComplaint, Role
from handlers.domain.people import Identity
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.outbox.runner import OutboxRunner
from handlers.people.who import Who
from handlers.ports.clock import ManualClock
from handlers.ports.gateways import PostLength
from handlers.team.command_answers import LeadDesk
from tests.fakes import SURFACE, FakeChat, FakeDatabase, FakeDedupe, FakeSocial, FakeTickets

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
AGENT = frozenset({Role.AGENT})
LEAD = frozenset({Role.AGENT, Role.LEAD})


class CharacterCount:
    """A network that counts characters, 280 at most."""

    rule = "as characters"

    def measure(self, text: str) -> PostLength:
        """Its length in characters."""
        return PostLength(len(text), 280, text.count("https://"))


@dataclass
class Seen:
    """What the journey saw, for the test to look at."""

    chat: FakeChat
    social: FakeSocial
    tickets: FakeTickets
    complaint: Complaint
    refusal: str | None
    reply_form: ReplyForm
    ticket_form: TicketForm
    notice: str | None
    oncall_line: object


def run_journey() -> Seen:
    """Run the journey; return what was seen."""
    db, clock, chat = FakeDatabase(), ManualClock(T0), FakeChat()
    social, tickets = FakeSocial(), FakeTickets()
    sources = Sources({}, other=OpenSource("the network", CharacterCount()))
    runner = OutboxRunner(db, clock, chat.faces(), social={"x": social}, tickets=tickets, sources=sources)
    templates = [ReplyTemplate("sorry", "Hi {name}, we hear you: case #{case}. DM us at {dm_link}")]
    desk = AgentDesk(db, clock, sources, tickets.system, templates, "https://dm.example/us")
    leads = LeadDesk(db, clock)
    who = Who(db)

    incoming = IncomingComplaint("x", "100", "9", "ann", "Ann Lee", "@SqueakyAir my bag is lost", T0)
    [complaint_id] = receive(db, clock, FakeDedupe(), Triage(), [incoming]).opened

    def drain() -> None:
        for _ in range(4):
            runner.run_due()
            clock.advance(seconds=1)

    drain()
    maria = who.actor(Identity(SURFACE, "m-1", "maria"), chat.roles_of("m-1"))
    jon = who.actor(Identity(SURFACE, "j-2", "jon"), AGENT)
    lea = who.actor(Identity(SURFACE, "l-3", "lea"), LEAD)

    won = desk.act(ActionRequest(maria, complaint_id, Action.CLAIM))
    lost = desk.act(ActionRequest(jon, complaint_id, Action.CLAIM))
    assert won.done and not lost.done

    reply_form = desk.form(maria, complaint_id, Action.ACKNOWLEDGE)
    assert isinstance(reply_form, ReplyForm)
    sent = desk.act(ActionRequest(maria, complaint_id, Action.ACKNOWLEDGE, {"text": reply_form.text}))
    assert sent.done, sent.refusal
    ticket_form = desk.form(maria, complaint_id, Action.TICKET)
    assert isinstance(ticket_form, TicketForm)
    values = {"subject": ticket_form.subject, "priority": "high", "notes": "", "contact": ticket_form.contact}
    filed = desk.act(ActionRequest(maria, complaint_id, Action.TICKET, values))
    assert filed.done, filed.refusal

    answer = leads.run(lea, "oncall set @li", {"li": Identity(SURFACE, "li-4", "li")})
    escalated = desk.act(ActionRequest(maria, complaint_id, Action.ESCALATE))
    drain()
    return Seen(
        chat=chat,
        social=social,
        tickets=tickets,
        complaint=desk.load(complaint_id),
        refusal=lost.refusal,
        reply_form=reply_form,
        ticket_form=ticket_form,
        notice=escalated.notice,
        oncall_line=answer.lines[0],
    )
