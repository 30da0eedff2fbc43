"""Noise rules: retweets, our own posts, passing mentions and spam are filtered or marked, never silently dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from handlers.domain.complaint import IncomingComplaint
from handlers.intake.patterns import any_of

_URL = re.compile(r"https?://\S+")
_HASHTAG = re.compile(r"(?<!\w)#\w+")


class NoiseAction(StrEnum):
    """What a rule does to what it catches."""

    FILTER = "filter"  # no card; counted and listed
    MARK = "mark"  # a card, with the rule shown on it


@dataclass(frozen=True)
class NoiseRules:
    """The noise policy, from the triage config."""

    actions: dict[str, NoiseAction]
    spam_patterns: tuple[re.Pattern[str], ...] = ()
    max_links: int = 3
    max_hashtags: int = 6

    @cached_property
    def any_spam(self) -> re.Pattern[str] | None:
        """One expression that matches where any spam pattern does (compiled once; None: ask them in turn)."""
        return any_of(self.spam_patterns)


@dataclass(frozen=True)
class Verdict:
    """Which rule caught an item, and what to do with it."""

    rule: str
    action: NoiseAction


RETWEET = "retweet"
OWN_POST = "own post"
NO_CASE_PRIVATELY = "private message, no open case"  # kept, never a card: a card is seen in the channel itself
PASSING_MENTION = "passing mention"
SPAM = "spam"


def judge(item: IncomingComplaint, rules: NoiseRules, *, replies_to_a_case: bool) -> Verdict | None:
    """The first noise rule `item` falls under, or None when it is a complaint to handle."""
    rule = _rule(item, rules, replies_to_a_case)
    if rule is None:
        return None
    action = rules.actions.get(rule, NoiseAction.MARK)
    return Verdict(rule, action)


def _rule(item: IncomingComplaint, rules: NoiseRules, replies_to_a_case: bool) -> str | None:
    if item.is_retweet:
        return RETWEET
    if item.from_brand:
        return OWN_POST
    if _is_spam(item.text, rules):
        return SPAM
    if item.replies_to_other_user and not replies_to_a_case and not item.quotes_us:
        return PASSING_MENTION
    return None


def _is_spam(text: str, rules: NoiseRules) -> bool:
    together = rules.any_spam
    if together.search(text) if together is not None else any(p.search(text) for p in rules.spam_patterns):
        return True
    # every link starts with "http" and every hashtag with "#": a text with few of those is not counted further
    links = text.count("http") > rules.max_links and len(_URL.findall(text)) > rules.max_links
    return links or (text.count("#") > rules.max_hashtags and len(_HASHTAG.findall(text)) > rules.max_hashtags)
