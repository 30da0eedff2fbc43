"""Reply drafts in the core: the prompt holds this customer's conversation and the scrubbed suggestions, never
another customer's handle, name or words; a failure or an answer too long for the network becomes a short note."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.x.length import XPostLength
from handlers.domain.complaint import Complaint, IncomingComplaint, Message, MessageKind, Status
from handlers.domain.drafts import PromptMessage
from handlers.drafts.draft import Drafter, conversation
from handlers.ports.drafts import DraftFailed

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
VALUES = {"name": "Ann", "case": "42", "dm_link": "https://x.com/messages/compose", "handle": "@ann"}
ANN_SAID = "@AirCo my bag never came, @bob_s saw it"
ANN = Complaint(42, "x", "1", "9", "ann_lee", "Ann Lee", ANN_SAID, T0, T0, Status.NEW, 1)


@dataclass
class Writer:
    """Records each prompt; answers `answer`, or raises `failure`."""

    answer: str = "Hi Ann, so sorry about your bag. Case #42: DM us https://x.com/messages/compose"
    failure: str | None = None
    prompts: list[Sequence[PromptMessage]] = field(default_factory=list)

    def write(self, messages: Sequence[PromptMessage], max_chars: int) -> str:
        self.prompts.append(messages)
        if self.failure:
            raise DraftFailed(self.failure)
        return self.answer


def _post(n: int, author_id: str, handle: str, name: str, text: str, kind: MessageKind) -> Message:
    incoming = IncomingComplaint("x", str(n), author_id, handle, name, text, T0, from_brand=kind is MessageKind.BRAND)
    return Message(incoming, kind, T0, 42)


THREAD = [
    _post(1, "9", "ann_lee", "Ann Lee", ANN.text, MessageKind.OPENING),
    _post(2, "77", "zoe_q", "Zoe Quist", "@AirCo same here, my ref is ZX9981", MessageKind.FOLLOWUP),
    _post(3, "brand", "AirCo", "AirCo", "We're on it, Ann.", MessageKind.BRAND),
    _post(4, "9", "ann_lee", "Ann Lee", "still nothing, tag AB12", MessageKind.FOLLOWUP),
]
EXAMPLES = ("So sorry about your bag, Ann. Case 42: DM us https://x.com/messages/compose",)


def _asked(writer: Writer, tones: dict[str, str] | None = None) -> str:
    drafter = Drafter(writer, tones or {"default": "Warm and brief."})
    draft = drafter.draft(ANN, conversation(ANN, THREAD), EXAMPLES, XPostLength(), "X", VALUES)
    assert draft.drafted, draft.note
    return "\n".join(m.content for m in writer.prompts[-1])


def test_the_prompt_holds_this_customer_and_the_scrubbed_examples_and_nobody_else() -> None:
    prompt = _asked(Writer())
    assert "my bag never came" in prompt and "still nothing, tag AB12" in prompt and "We're on it, Ann." in prompt
    assert "first name is Ann." in prompt and "#42" in prompt and EXAMPLES[0] in prompt and "Warm and brief." in prompt
    for other in ("zoe", "Zoe", "Quist", "ZX9981", "same here", "bob_s", "ann_lee"):
        assert other not in prompt, f"{other!r} leaked into the prompt"


def test_a_queue_has_its_own_tone_and_the_default_is_the_fallback() -> None:
    complaint_prompt = _asked(Writer(), {"default": "Plain.", "care": "Cheerful, with one emoji."})
    assert "Cheerful, with one emoji." in complaint_prompt and "Plain." not in complaint_prompt


def test_a_failure_is_a_short_note_and_no_text() -> None:
    draft = Drafter(Writer(failure="the drafting model refused our key (HTTP 401)")).draft(
        ANN, conversation(ANN, THREAD), EXAMPLES, XPostLength(), "X", VALUES
    )
    assert not draft.drafted and draft.note == "No draft: the drafting model refused our key (HTTP 401)."


def test_a_draft_too_long_for_the_network_is_refused_as_x_counts_it() -> None:
    long = "Hi Ann, " + "so sorry " * 40
    draft = Drafter(Writer(answer=long)).draft(ANN, conversation(ANN, THREAD), EXAMPLES, XPostLength(), "X", VALUES)
    assert not draft.drafted and "too long for X" in draft.note and "/280" in draft.note
    quoted = Drafter(Writer(answer='"Hi Ann, we are on it."')).draft(ANN, [], (), XPostLength(), "X", VALUES)
    assert quoted.text == "Hi Ann, we are on it."
