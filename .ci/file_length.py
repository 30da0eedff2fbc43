#!/usr/bin/env python3
"""CI: no Python file in bot/, handlers/, storage/, sandbox/ or bench/ longer than 400 lines.

A file over the limit fails the run, naming the file and its length: a long file is split by
role (one small module per family of work) rather than allowed to grow.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOTS = ("bot", "handlers", "storage", "sandbox", "bench")
LIMIT = 400


def too_long(base: Path, limit: int = LIMIT) -> list[tuple[str, int]]:
    """The .py files under the checked roots of `base` longer than `limit` lines, with their lengths."""
    found: list[tuple[str, int]] = []
    for root in ROOTS:
        for path in sorted((base / root).rglob("*.py")):
            with path.open("rb") as handle:
                lines = sum(1 for _ in handle)
            if lines > limit:
                found.append((path.relative_to(base).as_posix(), lines))
    return found


def main() -> int:
    """Print every file over the limit and fail when there is one."""
    found = too_long(Path.cwd())
    for name, lines in found:
        print(f"{name}: {lines} lines (the limit is {LIMIT}; split it by role)", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
