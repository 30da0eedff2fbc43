"""A fake chat tool (not Slack, not Teams): card surface, notifier and directory in one."""

from __future__ import annotations

from datetime import datetime

from handlers.domain.activity import ActivityLine
from handlers.domain.card import CardView, FollowUpLine
from handlers.domain.complaint import CardRef, Role
from handlers.domain.rich_text import Line, Link, Mention
from handlers.ports.surfaces import Face, Notice
from tests.fakes.state import SURFACE


class FakeChat:
    """A chat tool that is neither Slack nor Teams: records cards posted and updated, thread lines, direct messages and
    announcements; can be told to fail. It is its own card surface, notifier and directory (everyone is an agent)."""

    def __init__(self) -> None:
        self.posted: list[CardView] = []
        self.updated: list[tuple[CardRef, CardView]] = []
        self.told: list[tuple[str, str]] = []
        self.followups: list[tuple[CardRef, FollowUpLine]] = []
        self.activity: list[tuple[CardRef, ActivityLine]] = []
        self.notified: list[tuple[str, str, CardRef | None]] = []
        self.announced: list[tuple[str, bool]] = []
        self.fail_with: Exception | None = None

    def face(self) -> Face:
        """This chat tool as the core registers it."""
        return Face(cards=self, notifier=self, directory=self)

    def faces(self) -> dict[str, Face]:
        """The faces of a deployment with only this chat tool."""
        return {SURFACE: self.face()}

    def roles_of(self, handle: str) -> frozenset[Role]:
        return frozenset({Role.AGENT})

    def name_of(self, handle: str) -> str:
        return handle

    def post_card(self, channel: str, card: CardView) -> CardRef:
        if self.fail_with is not None:
            raise self.fail_with
        self.posted.append(card)
        return card_ref(channel or "C0CARE", f"1000.{len(self.posted):06d}")

    def update_card(self, ref: CardRef, card: CardView) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.updated.append((ref, card))

    def tell(self, ref: CardRef, user_id: str, text: str) -> None:
        self.told.append((user_id, text))

    def find_card(
        self, channel: str, complaint_id: int, since: datetime, tried_before: datetime | None = None
    ) -> CardRef | None:
        for n, card in enumerate(self.posted, start=1):
            if card.complaint_id == complaint_id:
                return card_ref(channel or "C0CARE", f"1000.{n:06d}")
        return None

    def post_activity(self, ref: CardRef, line: ActivityLine) -> None:
        self.activity.append((ref, line))

    def notify(self, user_id: str, text: str | Line, ref: CardRef | None) -> None:
        self.notified.append((user_id, plain(text), ref))

    def announce(self, channel: str, notice: Notice, *, ref: CardRef | None = None) -> CardRef:
        if self.fail_with is not None:
            raise self.fail_with
        text, leads = plain(notice.text), notice.leads
        if leads and notice.group:
            text = f"[{' '.join(notice.group)}] {text}"
        if notice.take_next:
            text = f"{text} [Take next: {notice.take_next}]"
        if notice.acknowledge_all:
            text = f"{text} [Acknowledge all: {notice.acknowledge_all}]"
        if ref is not None:
            self.announced.append((f"(edit {ref.data['id']}) {text}", leads))
            return ref
        self.announced.append((text, leads))
        return card_ref(channel or "C0CARE", f"a{len(self.announced)}")

    def permalink(self, ref: CardRef) -> str | None:
        return f"https://chat.invalid/{ref.channel}/{ref.data['id']}"

    def post_followup(self, ref: CardRef, followup: FollowUpLine) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.followups.append((ref, followup))


def plain(line: str | Line) -> str:
    """The fake chat tool's rendering: words as they are, people by name, links as "label url", bold as words."""
    if isinstance(line, str):
        return line
    parts = []
    for span in line.spans:
        if isinstance(span, str):
            parts.append(span)
        elif isinstance(span, Mention):
            parts.append(f"@{span.name}")
        elif isinstance(span, Link):
            parts.append(span.url)
        else:
            parts.append(span.text)
    return "".join(parts)


def card_ref(channel: str, message_id: str) -> CardRef:
    """A card on the fake chat tool."""
    return CardRef(SURFACE, channel, {"id": message_id})
