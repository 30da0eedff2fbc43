"""JSON from outside, parsed so that no body can crash the parser: nesting past Python's recursion limit is a
ValueError like any other malformed body (the json module raises RecursionError, which a handler would miss)."""

from __future__ import annotations

import json
from typing import Any


def parse(text: str | bytes) -> Any:
    """The JSON value `text` holds; ValueError (with a short reason) when it holds none, however it fails."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None
