"""Links to Slack messages without an API call each: the workspace address (auth.test, once) plus the message."""

from __future__ import annotations

import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.slack.refs import ts_of
from handlers.domain.complaint import CardRef


class WorkspaceLinks:
    """Permalinks as Slack makes them: {workspace}/archives/{channel}/p{ts without the dot}."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._base: str | None = None
        self._lock = threading.Lock()

    def _workspace(self) -> str | None:
        with self._lock:
            if self._base is None:
                try:
                    url = self._client.auth_test().get("url")
                except (SlackApiError, SlackRequestError, OSError):
                    return None  # try again next time; links are a convenience
                self._base = str(url or "").rstrip("/") or None
            return self._base

    def link(self, ref: CardRef) -> str | None:
        """The message's permalink, or None while the workspace address is unknown."""
        base = self._workspace()
        ts = ts_of(ref)
        return f"{base}/archives/{ref.channel}/p{ts.replace('.', '')}" if base and ts else None
