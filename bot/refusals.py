"""Refusals of outsiders, logged without letting them flood the log: one line per outsider and reason a minute,
naming who (an id cleaned of anything but printable characters) and never what they sent."""

from __future__ import annotations

import logging
import threading
import time

EVERY_SECONDS = 60.0
MOST_KEYS = 1024  # outsiders remembered at once; the oldest are forgotten first


def printable(value: object, most: int = 80) -> str:
    """An outside id as a short, single-line, printable string (never trusted, never long)."""
    text = "".join(c if c.isprintable() and c not in "\r\n" else "?" for c in str(value)[:most])
    return text or "(none)"


class RefusalLog:
    """Logs a refusal the first time a (reason, outsider) pair is seen, then at most once per `every` seconds with
    the count refused in between."""

    def __init__(self, logger: logging.Logger, every: float = EVERY_SECONDS) -> None:
        self._log = logger
        self._every = every
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}  # key -> (last logged at, refused since)

    def refused(self, reason: str, outsider: object) -> bool:
        """Note one refusal; log it unless the same one was logged less than `every` seconds ago. True if logged."""
        who = printable(outsider)
        key = (reason, who)
        now = time.monotonic()
        with self._lock:
            last, quiet = self._seen.get(key, (float("-inf"), 0))
            if now - last < self._every:
                self._seen[key] = (last, quiet + 1)
                return False
            self._seen.pop(key, None)
            if len(self._seen) >= MOST_KEYS:
                del self._seen[next(iter(self._seen))]
            self._seen[key] = (now, 0)
        more = f" (and {quiet} more since the last line)" if quiet else ""
        self._log.warning("refused %s: %s%s", reason, who, more)
        return True
