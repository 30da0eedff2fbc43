"""Drafts as data: one message of a prompt to a chat-completions model, and a draft (or why there is none)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PromptMessage:
    """One message of a chat-completions prompt: its role ("system" or "user") and its text."""

    role: str
    content: str


@dataclass(frozen=True)
class Draft:
    """A reply drafted for the agent to edit, or, when none came, a short note saying why."""

    text: str = ""
    note: str = ""

    @property
    def drafted(self) -> bool:
        """Whether a draft came back."""
        return bool(self.text)
