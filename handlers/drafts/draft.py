"""Ask the model for a draft of this customer's reply; a failure or an answer that does not fit leaves the agent with
the suggestions and a short note why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from handlers.domain.complaint import Complaint, Message, MessageKind
from handlers.domain.drafts import Draft
from handlers.drafts.prompt import Ask, Turn, prompt
from handlers.ports.drafts import DraftFailed, DraftWriter
from handlers.ports.gateways import LengthRule
from handlers.suggestions.scrub import safe_name

DEFAULT_TONE = "default"
FALLBACK_TONE = "Warm, brief and plain. Say sorry once, say what happens next, ask for details only in private."
_QUOTES = "\"'“”‘’"


def conversation(complaint: Complaint, messages: Sequence[Message]) -> list[Turn]:
    """This customer's posts on the case and ours: a post by anyone else in the thread stays out."""
    turns = []
    for message in messages:
        post = message.incoming
        if message.kind is MessageKind.BRAND or post.from_brand:
            turns.append(Turn(post.text, ours=True))
        elif post.author_id == complaint.author_id and message.kind is not MessageKind.FILTERED:
            turns.append(Turn(post.text))
    return turns or [Turn(complaint.text)]


def _cleaned(answer: str) -> str:
    text = " ".join(answer.split())
    if len(text) > 1 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


@dataclass
class Drafter:
    """Drafts replies with a model, in the brand's tone (a tone guide per queue, or the default)."""

    writer: DraftWriter
    tones: Mapping[str, str] = field(default_factory=dict)

    def tone_of(self, queue: str) -> str:
        """The queue's tone guide, else the default one."""
        return self.tones.get(queue) or self.tones.get(DEFAULT_TONE) or FALLBACK_TONE

    def draft(
        self,
        complaint: Complaint,
        turns: Sequence[Turn],
        examples: Sequence[str],
        length: LengthRule,
        network: str,
        values: Mapping[str, str],
    ) -> Draft:
        """A draft of the reply to `complaint`, or a note saying why there is none."""
        limit = length.measure("").limit
        ask = Ask(
            network=network,
            limit=limit,
            first_name=safe_name(values.get("name", "")),
            case=values.get("case", str(complaint.id)),
            dm_link=values.get("dm_link", ""),
            tone=self.tone_of(complaint.queue),
            turns=turns,
            examples=examples,
        )
        try:
            text = _cleaned(self.writer.write(prompt(ask), max_chars=limit * 4))
        except DraftFailed as exc:
            return Draft(note=f"No draft: {str(exc)[:160]}.")
        if not text:
            return Draft(note="No draft: the drafting model answered nothing.")
        measured = length.measure(text)
        if measured.over:
            return Draft(
                note=f"No draft: the one that came back was too long for {network} ({measured.length}/{limit})."
            )
        return Draft(text=text, note="Drafted by the assistant: read and edit it before sending.")
