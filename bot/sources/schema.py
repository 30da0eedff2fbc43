"""The documented shape of a post from another network or channel (HTTP intake and JSONL replay); see docs/intake.md."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from handlers.domain.complaint import IncomingComplaint

MAX_TEXT = 10_000
_SOURCE = re.compile(r"[a-z][a-z0-9_-]{1,31}\Z")

Id = Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]


class Author(BaseModel):
    """Who wrote the post."""

    model_config = ConfigDict(extra="forbid")

    id: Id
    handle: Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
    name: Annotated[str, StringConstraints(max_length=128, strip_whitespace=True)] | None = None
    followers: int | None = Field(None, ge=0)


class Post(BaseModel):
    """One post: where it comes from, who wrote it, what it says, when."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="the network or channel, e.g. instagram, facebook, email, webchat")
    id: Id = Field(description="the post's id on that source; a second post with the same id is a no-op")
    author: Author
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
    created_at: datetime = Field(description="ISO 8601 with a time zone, e.g. 2026-11-22T09:00:00Z")
    url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    in_reply_to_id: Id | None = None
    conversation_id: Id | None = None
    mentions_us: bool = True
    from_brand: bool = False

    @field_validator("source")
    @classmethod
    def _check_source(cls, value: str) -> str:
        if value == "x":
            raise ValueError("'x' is reserved for posts read from X's API")
        if not _SOURCE.match(value):
            raise ValueError("must be 2-32 lower-case letters, digits, - or _, starting with a letter")
        return value

    @field_validator("created_at")
    @classmethod
    def _check_zone(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone (e.g. a trailing Z)")
        return value

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be an https:// address")
        return value

    def to_incoming(self) -> IncomingComplaint:
        """The core's normalized complaint."""
        return IncomingComplaint(
            source=self.source,
            external_id=self.id,
            author_id=self.author.id,
            author_handle=self.author.handle.lstrip("@"),
            author_name=self.author.name or self.author.handle,
            text=self.text.replace("\x00", ""),
            created_at=self.created_at,
            url=self.url,
            conversation_id=self.conversation_id,
            in_reply_to_id=self.in_reply_to_id,
            mentions_us=self.mentions_us,
            from_brand=self.from_brand,
            author_followers=self.author.followers,
        )


def describe(exc: ValidationError) -> list[dict[str, Any]]:
    """Validation errors as field paths and plain messages (no input echoed back)."""
    return [
        {
            "field": ".".join(str(part) for part in error["loc"]) or "(body)",
            "message": error["msg"].removeprefix("Value error, "),
        }
        for error in exc.errors(include_input=False, include_url=False)
    ]
