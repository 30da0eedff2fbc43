"""A server process for the click benchmark: Squeaky's web app, or a bare Bolt app that only acks.

`python -m bench.click_server squeaky|bare PORT` with the settings in the environment; it
serves until killed. The benchmark's clients run in another process, so they do not share
its interpreter lock.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import serve

from bot.bootstrap import build_bolt_app, build_services
from bot.config import load_settings
from bot.slack import action_ids
from bot.web import WebApp


def bare_app() -> SlackRequestHandler:
    """A Bolt app whose one listener only acks."""
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        token_verification_enabled=False,
    )

    def only_ack(ack: Ack) -> None:
        ack()

    app.action(action_ids.CLAIM)(only_ack)
    return SlackRequestHandler(app)


def _load(which: str) -> Any:
    if which == "bare":
        return bare_app()
    services = build_services(load_settings())
    return WebApp(build_bolt_app(services), services)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """The same server `python -m bot web` runs: gunicorn, gthread workers."""

    def __init__(self, which: str, port: int, workers: int) -> None:
        self._which, self._port, self._workers = which, port, workers
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", f"127.0.0.1:{self._port}")
        self.cfg.set("workers", self._workers)
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("threads", 8)
        self.cfg.set("loglevel", "warning")

    def load(self) -> Any:
        return _load(self._which)


def main() -> None:
    """Serve the chosen app on 127.0.0.1:PORT: `waitress` (one process) or `gunicorn N` (N workers)."""
    which, port = sys.argv[1], int(sys.argv[2])
    server = sys.argv[3] if len(sys.argv) > 3 else "waitress"
    print("ready", flush=True)
    if server == "gunicorn":
        _Gunicorn(which, port, int(sys.argv[4])).run()
    else:
        serve(_load(which), host="127.0.0.1", port=port, threads=16, _quiet=True)


if __name__ == "__main__":
    main()
