"""Logging setup: one readable line per event, with every configured secret masked wherever it appears."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

MASK = "[redacted]"


class RedactSecrets(logging.Filter):
    """Replaces each secret's value with a mask in the message and its arguments, whatever logger wrote it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        if self._secrets:
            record.msg = self._clean(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


class _DropBoltTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our (identical) client wins; that is expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop only that notice."""
        return "`token` will be unused" not in record.getMessage()


class LibrariesAtWarning(logging.Filter):
    """Keeps a library's records (httpx logs every request at INFO) only from WARNING up; Squeaky's own pass."""

    OURS = ("bot", "handlers", "storage", "sandbox", "bench", "__main__")

    def filter(self, record: logging.LogRecord) -> bool:
        """Pass Squeaky's records and the libraries' warnings and errors."""
        return record.levelno >= logging.WARNING or record.name.split(".", 1)[0] in self.OURS


def setup_logging(secrets: Iterable[str], level: int = logging.INFO) -> None:
    """Log to stderr with secrets masked; the client libraries speak only of trouble unless the level is DEBUG, and
    tweepy (which logs headers at DEBUG) never below WARNING."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    if level > logging.DEBUG:
        handler.addFilter(LibrariesAtWarning())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("slack_bolt.App").addFilter(_DropBoltTokenNotice())
    for noisy in ("tweepy", "urllib3", "slack_sdk", "slack_bolt", "waitress", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
