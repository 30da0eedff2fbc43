"""The queue policy: named segments with match rules and a channel on each chat surface, tried in order; a complaint
lands on exactly one queue (the first that matches, else the default)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_QUEUE = "care"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_RULES = ("brands", "tiers", "topics", "sources")


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
    queue = Queue(name, title[:80], channels=_channels(entry, f"{where} ({name})"), **rules)
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
