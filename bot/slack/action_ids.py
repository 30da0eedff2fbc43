"""Every Block Kit action id Squeaky uses, in one place."""

from __future__ import annotations

from handlers.domain.complaint import Action

CLAIM = "squeaky.claim"
RELEASE = "squeaky.release"
ACKNOWLEDGE = "squeaky.acknowledge"
TICKET = "squeaky.ticket"
CLOSE = "squeaky.close"
PRIVATE = "squeaky.private"  # "Move to DMs": the private hand-off, decided by a worker
PRIVATE_REPLY = "squeaky.private_reply"  # "Reply privately": the form of an answer in the private conversation
OPEN_TICKET = "squeaky.open_ticket"  # a short-lived link to a built-in ticket's page, for the clicker alone
MORE = "squeaky.more"  # the overflow menu; each option's value names the action and the complaint
TAKE_NEXT = "squeaky.take_next"  # a queue summary's button: the next complaint there, claimed for the presser
PRESENCE = "squeaky.presence"  # the Home tab's toggle: available for push assignment, or away
INCIDENT = "squeaky.incident"  # a storm summary's or spike alert's button: the incident reply's form, for leads

BY_ACTION: dict[Action, str] = {
    Action.CLAIM: CLAIM,
    Action.RELEASE: RELEASE,
    Action.ACKNOWLEDGE: ACKNOWLEDGE,
    Action.TICKET: TICKET,
    Action.CLOSE: CLOSE,
    Action.PRIVATE: PRIVATE,
    Action.PRIVATE_REPLY: PRIVATE_REPLY,
}
ACTION_BY_ID: dict[str, Action] = {action_id: action for action, action_id in BY_ACTION.items()}

# Modals (view callback ids) and the inputs inside them.
ACK_VIEW = "squeaky.view.acknowledge"
INCIDENT_VIEW = "squeaky.view.incident"
INCIDENT_TEXT = "squeaky.incident.text"  # typing in it updates the counts
INCIDENT_TEMPLATE = "squeaky.incident.template"
TICKET_VIEW = "squeaky.view.ticket"
DISMISS_VIEW = "squeaky.view.dismiss"
MERGE_VIEW = "squeaky.view.merge"
REASSIGN_VIEW = "squeaky.view.reassign"
PRIVATE_REPLY_VIEW = "squeaky.view.private_reply"
REPLY_TEXT = "squeaky.reply.text"  # typing in it updates the character count
REPLY_TEMPLATE = "squeaky.reply.template"  # picking one rewrites the text
REPLY_SUGGESTION = "squeaky.reply.suggestion"  # picking a reply learned from history rewrites the text
REPLY_DRAFT = "squeaky.reply.draft"  # asks the drafting model for a reply; the modal is updated when it comes
