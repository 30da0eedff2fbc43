"""Every Block Kit action id Squeaky uses, in one place."""

from __future__ import annotations

from handlers.model import Action

CLAIM = "squeaky.claim"
RELEASE = "squeaky.release"

BY_ACTION: dict[Action, str] = {Action.CLAIM: CLAIM, Action.RELEASE: RELEASE}
ACTION_BY_ID: dict[str, Action] = {action_id: action for action, action_id in BY_ACTION.items()}
