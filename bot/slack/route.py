"""Slack in the web process: /slack/events handed to Bolt over HTTP, or Socket Mode's connection instead."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.slack.guard import check_request
from bot.wsgi import json_answer, read_body

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
MAX_SLACK_BODY = 1_000_000  # Slack's payloads, even a modal's with its whole state, are a few hundred KB at most


class SlackEvents:
    """Serves /slack/events with Bolt, refusing first what is signed but malformed in a way Bolt would answer with
    a 500; under Socket Mode (`over_http` False) Slack does not come here."""

    def __init__(self, bolt: App, signing_secret: str | None, *, over_http: bool = True) -> None:
        self._handler = SlackRequestHandler(bolt, path=SLACK_PATH)
        self._secret = signing_secret
        self._over_http = over_http

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        if not self._over_http:
            return json_answer(
                start_response, "404 Not Found", {"error": "Slack reaches Squeaky over Socket Mode here"}
            )
        body = read_body(environ, MAX_SLACK_BODY + 1)
        if len(body) > MAX_SLACK_BODY:
            log.warning("refused a Slack request of over %d KB", MAX_SLACK_BODY // 1000)
            return json_answer(
                start_response, "413 Request Entity Too Large", {"error": f"at most {MAX_SLACK_BODY // 1000} KB"}
            )
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {
            "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE", ""),
            "x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            "content-type": environ.get("CONTENT_TYPE", ""),
        }
        wrong = check_request(body, headers, self._secret) if self._secret else None
        if wrong is not None:
            log.warning("refused a malformed Slack payload: %s", wrong)
            return json_answer(start_response, "400 Bad Request", {"error": f"malformed payload: {wrong}"})
        return self._handler(environ, start_response)


class SocketMode:
    """Slack over Socket Mode: the web process keeps one connection open to Slack instead of being called."""

    def __init__(self, bolt: App, app_token: str) -> None:
        self._bolt = bolt
        self._token = app_token
        self._handler: object | None = None

    def open(self) -> None:
        """Connect to Slack."""
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(self._bolt, self._token)
        handler.connect()  # type: ignore[no-untyped-call]
        self._handler = handler
        log.info("Squeaky is running over Slack Socket Mode")

    def close(self) -> None:
        """Disconnect."""
        if self._handler is not None:
            self._handler.close()  # type: ignore[attr-defined]
