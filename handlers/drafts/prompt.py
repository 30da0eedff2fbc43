"""The prompt a draft is asked with. It holds this customer's conversation (their own posts and ours, nobody else's
in the thread), their first name and case number, the suggested replies (already scrubbed of every past customer)
and the brand's tone guide: never another customer's handle, name or words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from handlers.domain.drafts import PromptMessage

_MENTION = re.compile(r"(?<![\w])[@＠]\w+")
_SPACES = re.compile(r"\s+")
MAX_TURN = 600  # characters of one post in the conversation
MAX_TURNS = 8  # the latest posts of the conversation


@dataclass(frozen=True)
class Turn:
    """One post of the conversation: the customer's (`ours` False) or the brand's."""

    text: str
    ours: bool = False


@dataclass(frozen=True)
class Ask:
    """What a draft is asked for: this case, its conversation, the examples and the rules of the reply."""

    network: str
    limit: int
    first_name: str
    case: str
    dm_link: str
    tone: str
    turns: Sequence[Turn]
    examples: Sequence[str]


def unnamed(text: str) -> str:
    """A post with every @handle in it replaced (the customer may name other people: they stay out of the prompt)."""
    return _SPACES.sub(" ", _MENTION.sub("@someone", text)).strip()[:MAX_TURN]


def prompt(ask: Ask) -> list[PromptMessage]:
    """The system and user messages for one draft."""
    link = f" If they should write to us privately, give this link: {ask.dm_link}." if ask.dm_link else ""
    system = (
        f"You draft one public reply on {ask.network} for a customer care team; an agent edits it before it is sent. "
        f"Tone guide: {ask.tone.strip()} "
        f"Rules: at most {ask.limit} characters as {ask.network} counts them; plain text, no hashtags; "
        "no @mentions; no links other than ours; never promise money, refunds or compensation; "
        f"the case number is #{ask.case}.{link} "
        "Answer with the reply text only."
    )
    lines = [f"{'Us' if turn.ours else 'Customer'}: {unnamed(turn.text)}" for turn in ask.turns[-MAX_TURNS:]]
    who = f"The customer's first name is {ask.first_name}." if ask.first_name else "The customer gave no name."
    user = [who, "The conversation so far:", *lines]
    if ask.examples:
        user.append("Replies our team gave to similar complaints (start from them, in the same spirit):")
        user += [f"{n}. {unnamed(text)}" for n, text in enumerate(ask.examples, 1)]
    user.append("Write the reply.")
    return [PromptMessage("system", system), PromptMessage("user", "\n".join(user))]
