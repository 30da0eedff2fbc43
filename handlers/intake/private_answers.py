"""What a customer's private message may also say: "stop" (never message them privately again), or, after their
case closed, their answer to the satisfaction question (a rating from 1 to 5), kept with that case and shown in its
card's thread."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from handlers.domain.complaint import IncomingComplaint
from handlers.intake.follow_ups import PRIVATELY, Link
from handlers.ports.unit_of_work import UnitOfWork

ANSWER_WITHIN = timedelta(days=7)  # a rating counts for the customer's case asked this recently
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})  # the usual opt-out words
_MENTIONS = re.compile(r"^(?:@[\w.@-]+\s+)+")
_RATING = re.compile(r"([1-5])(?:\s*(?:/\s*5|out of 5|stars?|⭐+))?[\s.!]*", re.IGNORECASE)


def _bare(text: str) -> str:
    """The words without the mentions a direct post begins with."""
    return _MENTIONS.sub("", text.strip()).strip()


def rating_in(text: str) -> int | None:
    """The rating a message gives when that is all it says ("4", "5/5", "3 stars"), else None."""
    found = _RATING.fullmatch(_bare(text))
    return int(found.group(1)) if found else None


def says_stop(text: str) -> bool:
    """Whether the message is an opt-out ("STOP", "unsubscribe")."""
    return _bare(text).lower().strip(" .!") in STOP_WORDS


def answered_privately(uow: UnitOfWork, now: datetime, item: IncomingComplaint, link: Link | None) -> Link | None:
    """Record a stop; a rating with no open case answers the customer's newest survey: the case it joins."""
    if says_stop(item.text):
        uow.surveys.stop(item.source, item.author_handle, now)
    rating = rating_in(item.text)
    if link is not None or rating is None:
        return link
    case_id = uow.surveys.awaiting(item.source, item.author_handle, now - ANSWER_WITHIN)
    if case_id is None or not uow.surveys.answer(case_id, rating, now):
        return None
    return Link(case_id, f"{PRIVATELY}: satisfaction {rating} of 5")
