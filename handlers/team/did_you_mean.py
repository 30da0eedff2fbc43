"""An unknown subcommand, answered with the one a close misspelling meant."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def unknown_subcommand(word: str, known: Iterable[str]) -> str:
    """`"stauts" is not a subcommand. Did you mean stats?`; no guess when nothing is close."""
    said = f'"{word[:40]}" is not a subcommand'
    close = difflib.get_close_matches(word.lower(), list(known), n=1, cutoff=0.7)
    return f"{said}. Did you mean {close[0]}?" if close else said
