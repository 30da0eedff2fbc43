"""Read posts from a JSONL file: one JSON object a line, in the intake schema (docs/intake.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from bot.sources.schema import Post, describe
from bot.sources.twcs import Unreadable
from handlers.domain.complaint import IncomingComplaint


def read_jsonl(path: Path) -> Iterator[IncomingComplaint | Unreadable]:
    """Yield each line as a complaint, or why it could not be read; blank lines are skipped."""
    with path.open(encoding="utf-8", errors="replace", newline="\n") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError as exc:
                yield Unreadable(number, f"not JSON ({exc.args[0]})")
                continue
            try:
                yield Post.model_validate(data).to_incoming()
            except ValidationError as exc:
                problems = "; ".join(f"{p['field']}: {p['message']}" for p in describe(exc))
                yield Unreadable(number, problems)
