"""What a Teams dialog answers: a card to show (or show again), or only words in a small box."""

from __future__ import annotations

from microsoft_teams.api.models.attachment.attachment import Attachment
from microsoft_teams.api.models.task_module import (
    CardTaskModuleTaskInfo,
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
    TaskModuleResponse,
)
from microsoft_teams.cards import AdaptiveCard


def said(text: str) -> TaskModuleResponse:
    """A dialog answer that is only words (Teams shows them in a small box)."""
    return TaskModuleResponse(task=TaskModuleMessageResponse(value=text[:500]))


def shown(title: str, card: AdaptiveCard) -> TaskModuleResponse:
    """A dialog titled `title` showing `card`."""
    attachment = Attachment(content_type="application/vnd.microsoft.card.adaptive", content=card)
    info = CardTaskModuleTaskInfo(title=title, card=attachment, width="medium", height="large")
    return TaskModuleResponse(task=TaskModuleContinueResponse(value=info))
