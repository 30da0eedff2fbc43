"""Buttons on a Teams card (`Action.Execute`): each one is a use case of the agents' desk, answered within the invoke
with the card as it now stands, for the clicker alone; a refusal ("Already claimed by Alice 2 min ago") heads it.
Everyone else's card is updated through the outbox."""

from __future__ import annotations

import logging
from typing import Any

from microsoft_teams.cards import AdaptiveCard

from bot.outages import OUTAGES, describe_outage
from bot.teams.answers import answer_card
from bot.teams.cards import OPEN_TICKET, TAKE_NEXT, complaint_card, text_card
from bot.teams.face import teams_of
from bot.teams.senders import BadActivity, Sender, actor_of, complaint_id_of, sender_of
from bot.wiring import Services
from handlers.cases.agent_desk import WITH_FORM, ActionRequest
from handlers.cases.card_view import card_for
from handlers.cases.errors import ComplaintNotFound, SqueakyError
from handlers.domain.complaint import Action, Complaint

log = logging.getLogger(__name__)
BUSY = "Sorry: Squeaky cannot reach its database just now. Try again in a minute."


def current_card(services: Services, complaint: Complaint, **extra: Any) -> AdaptiveCard:
    """The complaint's card as it stands now (with a notice or a link for one person)."""
    source = services.agent_desk.sources.of(complaint.source)
    return complaint_card(card_for(complaint, services.clock.now(), source=source), **extra)


def click(services: Services, account: Any, verb: str, data: Any) -> AdaptiveCard:
    """Run the button `verb` for the Teams user `account`; the card they see next."""
    try:
        sender = sender_of(account)
        if verb == TAKE_NEXT:
            return take_next(services, sender, data)
        complaint_id = complaint_id_of(data)
        who = actor_of(sender, services)
        if verb == OPEN_TICKET:
            return _open_ticket(services, who, complaint_id)
        try:
            action = Action(verb)
        except ValueError:
            raise BadActivity(
                f"“{verb[:40]}” is not a button Squeaky knows; the card may be from an older version"
            ) from None
        if action in WITH_FORM:
            raise BadActivity("that button opens a form: click it on the card again")
        outcome = services.agent_desk.act(ActionRequest(who, complaint_id, action))
        complaint = outcome.complaint or services.agent_desk.load(complaint_id)
        return current_card(services, complaint, notice=outcome.refusal or outcome.notice)
    except BadActivity as exc:
        return text_card(f"Sorry, that didn't work: {exc}.")
    except ComplaintNotFound as exc:
        return text_card(str(exc))
    except OUTAGES as exc:
        log.warning("a Teams click could not be decided: %s", describe_outage(exc))
        return text_card(BUSY)


def take_next(services: Services, sender: Sender, data: Any) -> AdaptiveCard:
    """A queue summary's "Take next": the next complaint there, claimed for the clicker, shown to them alone (the
    summary comes back for them with its next update)."""
    queue = str((data or {}).get("queue") or "") if isinstance(data, dict) else ""
    if not queue:
        raise BadActivity("that button names no queue")
    result = services.lead_desk.run(actor_of(sender, services), f"next {queue}")
    return answer_card(result, teams_of(services).gateway.permalink, services.clock.now(), None)


def _open_ticket(services: Services, who: Any, complaint_id: int) -> AdaptiveCard:
    complaint = services.agent_desk.load(complaint_id)
    try:
        link = services.ticket_page_link(who, complaint_id)
    except SqueakyError as exc:
        return current_card(services, complaint, notice=str(exc))
    label = "Open the ticket (this link works for a few minutes)"
    return current_card(services, complaint, link=(label, link))
