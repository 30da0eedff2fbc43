"""Port of drafted replies: a chat-completions model that writes a reply from a prompt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from handlers.domain.drafts import PromptMessage


class DraftFailed(Exception):
    """The model gave no usable draft (a timeout, a refusal of our key, a rate limit, an error, an unreadable answer);
    the message says why in a few words, fit to show the agent."""


class DraftWriter(Protocol):
    """A model that answers a prompt with one reply."""

    def write(self, messages: Sequence[PromptMessage], max_chars: int) -> str:
        """The model's reply to `messages`; DraftFailed when there is none."""
        ...
