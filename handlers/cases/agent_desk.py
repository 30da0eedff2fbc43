"""The agents' application service: one action request in (who, which complaint, which action, the form's values),
one outcome out; and the form each action opens. Every face (Slack, Teams) translates its payloads into these calls
and renders what comes back, so no face repeats what an action means."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from handlers.cases import actions
from handlers.cases.claim import claim, release
from handlers.cases.errors import ComplaintNotFound, InvalidRequest, SqueakyError
from handlers.cases.forms import (
    DismissForm,
    Form,
    MergeForm,
    PrivateReplyForm,
    ReassignForm,
    ReplyForm,
    Template,
    TicketForm,
    ticket_subject,
)
from handlers.cases.on_call import who_is_on_call
from handlers.cases.reply_templates import ReplyTemplate, available, render, values
from handlers.cases.sources import Sources
from handlers.cases.transitions import check_allowed
from handlers.domain.complaint import Action, Actor, Complaint
from handlers.domain.drafts import Draft
from handlers.domain.people import Identity
from handlers.drafts.draft import Drafter, conversation
from handlers.ports.clock import Clock
from handlers.ports.unit_of_work import UnitOfWorkFactory
from handlers.suggestions.suggest import Suggester, Suggestions

WITH_FORM = frozenset(
    {Action.ACKNOWLEDGE, Action.TICKET, Action.DISMISS, Action.MERGE, Action.REASSIGN, Action.PRIVATE_REPLY}
)
ESCALATED = "On-call has been pinged with a link to this card."


@dataclass(frozen=True)
class ActionRequest:
    """An agent's action on a complaint: who, which, what, and the form's values (by field) when it had one."""

    who: Actor
    complaint_id: int
    action: Action
    values: Mapping[str, str] = field(default_factory=dict)
    to: Actor | None = None  # the agent a reassignment hands the claim to


@dataclass(frozen=True)
class Outcome:
    """What came of a request: the complaint as it now stands, or a refusal; and a notice for the one who asked.
    Faces say refusals and notices to that person alone (a form's refusal next to the form)."""

    complaint: Complaint | None = None
    refusal: str | None = None
    notice: str | None = None

    @property
    def done(self) -> bool:
        """Whether the action was carried out."""
        return self.refusal is None


@dataclass
class AgentDesk:
    """Runs agents' actions and builds their forms, for every face alike."""

    uow_factory: UnitOfWorkFactory
    clock: Clock
    sources: Sources
    ticket_system: str
    templates: list[ReplyTemplate] = field(default_factory=list)
    dm_link: str = ""
    fallback_on_call: Identity | None = None
    suggester: Suggester | None = None  # replies learned from the team's history; None: switched off
    drafter: Drafter | None = None  # drafts from a chat-completions model; None: not set up
    # the use cases moving cases offline adds or refines (handlers.offline): Move to DMs, and a close that asks
    # the satisfaction question
    offline: Mapping[Action, Callable[[ActionRequest], Complaint]] = field(default_factory=dict)

    def load(self, complaint_id: int) -> Complaint:
        """The complaint, or ComplaintNotFound."""
        with self.uow_factory() as uow:
            complaint = uow.complaints.get(complaint_id)
        if complaint is None:
            raise ComplaintNotFound(complaint_id)
        return complaint

    def __post_init__(self) -> None:
        self._runs = self._use_cases()

    def act(self, request: ActionRequest) -> Outcome:
        """Carry out the request; a refusal is an outcome, never an exception."""
        run = self._runs.get(request.action)
        if run is None:
            return Outcome(refusal=f"Sorry, {request.action.value} is not something a card does.")
        try:
            complaint = run(request)
        except SqueakyError as exc:
            return Outcome(refusal=str(exc)[:300])
        notice = ESCALATED if request.action is Action.ESCALATE else None
        return Outcome(complaint=complaint, notice=notice)

    def form(self, who: Actor, complaint_id: int, action: Action) -> Form:
        """The form `action` opens for `who`; raises the typed refusal (audited) when they may not take it."""
        complaint = self.load(complaint_id)
        check_allowed(self.uow_factory, self.clock, complaint, action, who)  # say no now, not after the form
        if action is Action.ACKNOWLEDGE:
            choices = self.template_choices(complaint)
            return self.reply_form(complaint, choices[0].text if choices else "")
        if action is Action.TICKET:
            contact = f"@{complaint.author_handle} on {complaint.source}"
            return TicketForm(complaint.id, self.ticket_system, ticket_subject(complaint), contact)
        if action is Action.DISMISS:
            return DismissForm(complaint.id)
        if action is Action.MERGE:
            return MergeForm(complaint.id)
        if action is Action.REASSIGN:
            return ReassignForm(complaint.id, complaint.owner.name if complaint.owner else None)
        if action is Action.PRIVATE_REPLY:
            rules = self.sources.of(complaint.source)
            if not rules.private_channel:
                raise InvalidRequest(f"{rules.network} gives Squeaky no private channel to this customer.")
            return PrivateReplyForm(complaint.id, rules.network, complaint.author_handle, rules.private_channel)
        raise InvalidRequest(f"{action.value} needs no form.")

    def template_choices(self, complaint: Complaint) -> list[Template]:
        """The templates that fit this complaint, each filled in."""
        return [Template(t.name, render(t, complaint, self.dm_link)) for t in available(self.templates, complaint)]

    def suggestions(self, complaint: Complaint) -> Suggestions:
        """Up to three replies learned from the team's history, filled in for this complaint; or why none."""
        if self.suggester is None:
            return Suggestions()
        return self.suggester.for_complaint(complaint, values(complaint, self.dm_link))

    def suggestion_choices(self, complaint: Complaint) -> list[Template]:
        """The suggestions as choices, named by their first words."""
        return _named(self.suggestions(complaint).replies)

    def draft(self, complaint: Complaint) -> Draft:
        """A draft of the reply from the model (this customer's conversation, the suggestions, the brand's tone), or
        a note why there is none; the suggestions stay whatever happens."""
        if self.drafter is None:
            return Draft(note="No draft: no drafting model is set up.")
        with self.uow_factory() as uow:
            messages = uow.messages.for_complaint(complaint.id)
        rules = self.sources.of(complaint.source)
        examples = self.suggestions(complaint).replies
        filled = values(complaint, self.dm_link)
        turns = conversation(complaint, messages)
        return self.drafter.draft(complaint, turns, examples, rules.length, rules.network, filled)

    def reply_form(self, complaint: Complaint, text: str, draft_note: str = "") -> ReplyForm:
        """The public reply form with `text` in the box, counted and priced as the complaint's source does."""
        rules = self.sources.of(complaint.source)
        measured = rules.length.measure(text)
        suggested = self.suggestions(complaint)
        return ReplyForm(
            complaint_id=complaint.id,
            network=rules.network,
            author_handle=complaint.author_handle,
            quoted=complaint.text,
            allowed=rules.reply_allowed(complaint),
            not_allowed=rules.not_allowed,
            templates=tuple(self.template_choices(complaint)),
            text=text,
            length=measured,
            rule=rules.length.rule,
            cost=rules.cost(measured),
            suggestions=tuple(_named(suggested.replies)),
            suggestions_note=suggested.note,
            can_draft=self.drafter is not None,
            draft_note=draft_note,
        )

    def _use_cases(self) -> dict[Action, Callable[[ActionRequest], Complaint]]:
        uow, clock = self.uow_factory, self.clock
        return {
            Action.CLAIM: lambda r: claim(uow, clock, r.complaint_id, r.who),
            Action.RELEASE: lambda r: release(uow, clock, r.complaint_id, r.who),
            Action.CLOSE: lambda r: actions.close(uow, clock, r.complaint_id, r.who),
            Action.ESCALATE: lambda r: actions.escalate(
                uow, clock, r.complaint_id, r.who, who_is_on_call(uow, clock, self.fallback_on_call)
            ),
            Action.ACKNOWLEDGE: self._acknowledge,
            Action.TICKET: lambda r: actions.move_to_ticket(
                uow,
                clock,
                r.complaint_id,
                r.who,
                system=self.ticket_system,
                subject=r.values.get("subject", ""),
                priority=r.values.get("priority") or "normal",
                notes=r.values.get("notes", ""),
                contact=r.values.get("contact", ""),
            ),
            Action.DISMISS: lambda r: actions.dismiss(uow, clock, r.complaint_id, r.who, r.values.get("reason", "")),
            Action.MERGE: self._merge,
            Action.REASSIGN: self._reassign,
            Action.PRIVATE: self._private,
            Action.PRIVATE_REPLY: self._private,
        } | dict(self.offline)

    def _private(self, request: ActionRequest) -> Complaint:
        raise InvalidRequest("Private messages are not set up here: ask whoever runs Squeaky.")

    def _acknowledge(self, request: ActionRequest) -> Complaint:
        complaint = self.load(request.complaint_id)
        rules = self.sources.of(complaint.source)
        if not rules.reply_allowed(complaint):
            raise InvalidRequest(rules.not_allowed)
        text = request.values.get("text", "")
        return actions.acknowledge(
            self.uow_factory, self.clock, request.complaint_id, request.who, text, length=rules.length
        )

    def _merge(self, request: ActionRequest) -> Complaint:
        raw = request.values.get("into", "").strip().lstrip("#")
        if not raw.isdigit():
            raise InvalidRequest("Type the case number, like #42.")
        return actions.merge(self.uow_factory, self.clock, request.complaint_id, request.who, int(raw))

    def _reassign(self, request: ActionRequest) -> Complaint:
        if request.to is None:
            raise InvalidRequest("Pick the agent to hand this to.")
        if not request.to.roles:
            raise InvalidRequest(f"@{request.to.name} is not on the care team.")
        return actions.reassign(self.uow_factory, self.clock, request.complaint_id, request.who, request.to)


def _named(replies: tuple[str, ...], width: int = 70) -> list[Template]:
    """Suggestions as choices in a menu, each named by its number and first words (cut at a word)."""
    short = [text if len(text) <= width else text[:width].rsplit(" ", 1)[0] + "…" for text in replies]
    return [Template(f"{n}. {name}", text) for n, (name, text) in enumerate(zip(short, replies, strict=True), 1)]
