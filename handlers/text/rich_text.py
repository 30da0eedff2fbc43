"""Text the core hands a face: plain words and people to mention, kept apart so outside text never becomes a mention.

A face renders a `Line` span by span: each string is escaped as outside text, and only a
`Person` becomes a mention. Nothing in a string, whoever wrote it, can turn into one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    """Someone to mention, by their id on the chat surface."""

    user_id: str


Span = str | Person


@dataclass(frozen=True)
class Line:
    """One line of text: words and people, in order."""

    spans: tuple[Span, ...]

    @classmethod
    def of(cls, *spans: Span) -> Line:
        """A line from its spans."""
        return cls(tuple(spans))


def joined(people: list[Person] | tuple[Person, ...], separator: str = ", ") -> tuple[Span, ...]:
    """People as spans separated by `separator`."""
    spans: list[Span] = []
    for n, person in enumerate(people):
        if n:
            spans.append(separator)
        spans.append(person)
    return tuple(spans)
