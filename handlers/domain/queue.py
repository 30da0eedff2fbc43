"""The queue policy: named segments with match rules and a channel on each chat surface, tried in order; a complaint
lands on exactly one queue (the first that matches, else the default)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from handlers.domain.hours import ALWAYS, BusinessHours, HoursError, parse_hours
from handlers.domain.sla import SlaPolicy

DEFAULT_QUEUE = "care"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_RULES = ("brands", "tiers", "topics", "sources")


MODES = ("round-robin", "least-loaded")
DEFAULT_CAP = 3


@dataclass(frozen=True)
class Assignment:
    """Push assignment on a queue: how waiting complaints are handed to available agents, and how many open claims
    each may hold. Off unless a queue turns it on."""

    mode: str = "off"  # "round-robin", "least-loaded" or "off"
    cap: int = DEFAULT_CAP

    @property
    def on(self) -> bool:
        """Whether Squeaky hands this queue's complaints out."""
        return self.mode in MODES

    def describe(self) -> str:
        """The assignment in words."""
        return f"{self.mode}, at most {self.cap} open claims each" if self.on else "off (agents take complaints)"


class QueueConfigError(ValueError):
    """The queue policy is wrong; the message names the queue and the key."""


@dataclass(frozen=True)
class Queue:
    """One segment of the work: what it takes, and where its cards go on each chat surface (none: the surface's own
    channel)."""

    name: str
    title: str = ""
    brands: frozenset[str] = frozenset()  # brand handles a post mentions (lower case, no @)
    tiers: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    channels: Mapping[str, str] = field(default_factory=dict, hash=False)
    service_levels: Mapping[str, SlaPolicy] = field(default_factory=dict, hash=False)  # by tier, over the team's
    hours: BusinessHours = ALWAYS  # when its service-level clocks run
    leads: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)  # its lead group on each chat tool
    assign: Assignment = field(default_factory=Assignment)  # push assignment (off by default)

    def takes(self, *, text: str, tier: str, topic: str, source: str) -> bool:
        """Whether a complaint with these traits belongs here (every rule given must hold)."""
        if self.tiers and tier not in self.tiers:
            return False
        if self.topics and topic not in self.topics:
            return False
        if self.sources and source not in self.sources:
            return False
        if self.brands:
            mentioned = {m.lower() for m in re.findall(r"@(\w{1,50})", text)}
            if not mentioned & self.brands:
                return False
        return True

    def rules(self) -> list[str]:
        """Its match rules in words, for `/squeaky queue show`."""
        said = [f"{rule} {', '.join(sorted(getattr(self, rule)))}" for rule in _RULES if getattr(self, rule)]
        return said or ["everything no queue above takes"]


@dataclass(frozen=True)
class QueuePolicy:
    """The queues in the order they are tried, and the default queue that takes the rest."""

    queues: tuple[Queue, ...] = ()
    default: Queue = field(default_factory=lambda: Queue(DEFAULT_QUEUE, "Care team"))

    def queue_for(self, *, text: str, tier: str, topic: str, source: str) -> Queue:
        """The queue a complaint lands on: the first that takes it, else the default."""
        return next((q for q in self.queues if q.takes(text=text, tier=tier, topic=topic, source=source)), self.default)

    def named(self, name: str) -> Queue | None:
        """The queue called `name` (the default included)."""
        return next((q for q in self.all() if q.name == name), None)

    def all(self) -> tuple[Queue, ...]:
        """Every queue, the default last."""
        return (*self.queues, self.default)


def _names(entry: Mapping[str, Any], key: str, where: str) -> frozenset[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise QueueConfigError(f"{where}.{key} must be a list of names")
    return frozenset(v.strip().lstrip("@").lower() for v in value)


def _channels(entry: Mapping[str, Any], where: str) -> dict[str, str]:
    value = entry.get("channels", {})
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise QueueConfigError(f'{where}.channels must map a chat tool to a channel id, like {{ slack = "C0VIP" }}')
    return {k: v.strip() for k, v in value.items() if v.strip()}


def _levels(entry: Mapping[str, Any], where: str) -> dict[str, SlaPolicy]:
    value = entry.get("service_levels", {})
    if not isinstance(value, dict):
        raise QueueConfigError(f"{where}.service_levels must map a tier to {{ claim = MIN, acknowledge = MIN }}")
    levels = {}
    for tier, level in value.items():
        here = f"{where}.service_levels.{tier}"
        if not isinstance(level, dict) or not isinstance(level.get("claim"), int):
            raise QueueConfigError(f"{here} must be {{ claim = MINUTES, acknowledge = MINUTES, page = true|false }}")
        claim = level["claim"]
        ack = level.get("acknowledge", max(claim, 60))
        if not isinstance(ack, int) or not 1 <= claim <= ack <= 7 * 24 * 60:
            raise QueueConfigError(
                f"{here}: minutes run from 1 to 10080, and acknowledging takes no less than claiming"
            )
        levels[tier.lower()] = SlaPolicy(tier.lower(), claim, ack, bool(level.get("page", False)))
    return levels


def _hours(entry: Mapping[str, Any], where: str) -> BusinessHours:
    value = entry.get("hours")
    if value is None:
        return ALWAYS
    if not isinstance(value, dict):
        raise QueueConfigError(f'{where}.hours must be {{ timezone = "…", weekly = ["mon-fri 09:00-17:00"] }}')
    weekly, holidays = value.get("weekly", []), value.get("holidays", [])
    if not isinstance(weekly, list | str) or not isinstance(holidays, list):
        raise QueueConfigError(f"{where}.hours: weekly is a list of hours and holidays a list of dates")
    try:
        return parse_hours(weekly, str(value.get("timezone", "UTC")), [str(h) for h in holidays])
    except HoursError as exc:
        raise QueueConfigError(f"{where}.hours: {exc}") from None


def _leads(entry: Mapping[str, Any], where: str) -> dict[str, tuple[str, ...]]:
    value = entry.get("leads", {})
    if not isinstance(value, dict):
        raise QueueConfigError(f'{where}.leads must map a chat tool to its lead group, like {{ slack = "S0LEADS" }}')
    leads = {}
    for surface, group in value.items():
        names = [group] if isinstance(group, str) else group
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise QueueConfigError(f"{where}.leads.{surface} must be a group id or a list of people's ids")
        leads[surface] = tuple(n.strip() for n in names)
    return leads


def _assign(entry: Mapping[str, Any], where: str) -> Assignment:
    value = entry.get("assign")
    if value is None:
        return Assignment()
    if not isinstance(value, dict) or value.get("mode", "off") not in (*MODES, "off"):
        raise QueueConfigError(f'{where}.assign must be {{ mode = "round-robin" or "least-loaded", cap = N }}')
    cap = value.get("cap", DEFAULT_CAP)
    if not isinstance(cap, int) or not 1 <= cap <= 50:
        raise QueueConfigError(f"{where}.assign.cap must be a whole number from 1 to 50")
    return Assignment(str(value.get("mode", "off")), cap)


def _queue(entry: Any, where: str, *, default: bool = False) -> Queue:
    if not isinstance(entry, dict):
        raise QueueConfigError(f"{where} must be a table")
    name = entry.get("name", DEFAULT_QUEUE if default else None)
    if not isinstance(name, str) or not _NAME.match(name):
        raise QueueConfigError(f"{where}.name must be a short name: lower-case letters, digits, - and _")
    if default and any(entry.get(rule) for rule in _RULES):
        raise QueueConfigError(f"{where} ({name}) takes whatever no other queue takes: it has no match rules")
    rules = {rule: _names(entry, rule, f"{where} ({name})") for rule in _RULES}
    title = entry.get("title", name)
    if not isinstance(title, str):
        raise QueueConfigError(f"{where} ({name}).title must be text")
    here = f"{where} ({name})"
    queue = Queue(
        name,
        title[:80],
        channels=_channels(entry, here),
        service_levels=_levels(entry, here),
        hours=_hours(entry, here),
        leads=_leads(entry, here),
        assign=_assign(entry, here),
        **rules,
    )
    if not default and not any(rules.values()):
        raise QueueConfigError(f"{where} ({name}) has no match rules: give it brands, tiers, topics or sources")
    return queue


def parse_queues(data: Mapping[str, Any]) -> QueuePolicy:
    """Build the policy from the config mapping, or raise QueueConfigError naming what is wrong."""
    entries = data.get("queues", [])
    if not isinstance(entries, list):
        raise QueueConfigError("queues must be a list of [[queues]] tables")
    queues = tuple(_queue(entry, f"queues[{n}]") for n, entry in enumerate(entries))
    default = _queue(data.get("default", {}), "default", default=True)
    names = [q.name for q in (*queues, default)]
    repeated = next((n for n in names if names.count(n) > 1), None)
    if repeated:
        raise QueueConfigError(f"two queues are called {repeated!r}")
    return QueuePolicy(queues, default)
