"""Text the core hands a face: plain words and people to mention, kept apart so outside text never becomes a mention.

A face renders a `Line` span by span: each string is escaped as outside text, only a
`Mention` becomes a mention (where the person has an id on that surface; elsewhere their
name is written), only a `Link` a link, only `Strong` bold. Nothing in a string, whoever
wrote it, can turn into any of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mention:
    """Someone to mention: their name, and their ids per surface."""

    name: str
    handles: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Link:
    """A link with its words: a face makes it clickable only when `url` is a plain http(s) address."""

    url: str
    label: str


@dataclass(frozen=True)
class Strong:
    """Words to stand out (bold, where the face has it); still outside text, escaped as such."""

    text: str


Span = str | Mention | Link | Strong


@dataclass(frozen=True)
class Line:
    """One line of text: words and people, in order."""

    spans: tuple[Span, ...]

    @classmethod
    def of(cls, *spans: Span) -> Line:
        """A line from its spans."""
        return cls(tuple(spans))


def joined(people: list[Mention] | tuple[Mention, ...], separator: str = ", ") -> tuple[Span, ...]:
    """People as spans separated by `separator`."""
    spans: list[Span] = []
    for n, person in enumerate(people):
        if n:
            spans.append(separator)
        spans.append(person)
    return tuple(spans)
