"""What the index learns from: each complaint paired with the brand's first public reply to it, scrubbed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from handlers.domain.complaint import IncomingComplaint
from handlers.domain.suggestions import AnsweredCase, PastReply
from handlers.ports.suggestions import ReplyHistory
from handlers.suggestions.scrub import safe_name, scrub


def first_replies(posts: Iterable[IncomingComplaint]) -> Iterator[tuple[IncomingComplaint, IncomingComplaint]]:
    """Each customer's post with the first brand post that answers it (the brand's reply names it as its parent)."""
    customers: dict[str, IncomingComplaint] = {}
    first: dict[str, IncomingComplaint] = {}
    for post in posts:
        if not post.from_brand:
            customers[post.external_id] = post
        elif post.in_reply_to_id:
            earlier = first.get(post.in_reply_to_id)
            if earlier is None or post.created_at < earlier.created_at:
                first[post.in_reply_to_id] = post
    for parent_id, reply in first.items():
        complaint = customers.get(parent_id)
        if complaint is not None:
            yield complaint, reply


def imported(posts: Iterable[IncomingComplaint], brand_as: dict[str, str] | None = None) -> list[PastReply]:
    """Past replies from a conversation export (twcs): the brand is the replying account, or the queue `brand_as`
    maps it to; a pair whose reply is nothing once scrubbed is left out."""
    out = []
    for complaint, reply in first_replies(posts):
        if brand_as and reply.author_id not in brand_as:
            continue
        brand = brand_as[reply.author_id] if brand_as else reply.author_id
        scrubbed = scrub(reply.text)
        if scrubbed:
            out.append(PastReply(brand, complaint.text, scrubbed))
    return out


def answered(case: AnsweredCase, dm_link: str) -> PastReply | None:
    """One of our answered cases as a past reply: its customer's name, handle and case number become placeholders."""
    name = safe_name(case.author_name or case.author_handle)
    scrubbed = scrub(case.reply, name=name, handle=case.author_handle, case=str(case.case_id), dm_link=dm_link)
    return PastReply(case.brand, case.complaint, scrubbed) if scrubbed else None


def everything(history: ReplyHistory, dm_link: str) -> Iterator[PastReply]:
    """Every past reply the index learns from: imported ones, then our own answered cases."""
    yield from history.imported()
    for case in history.answered():
        past = answered(case, dm_link)
        if past is not None:
            yield past
