"""A server process for the click benchmarks: Squeaky's web app, a bare Bolt app that only acks, or a bare Teams SDK
app that only answers.

`python -m bench.click_server squeaky|bare|bare-teams PORT` with the settings in the environment; it
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

from bot.bootstrap import build_services
from bot.config import load_settings
from bot.slack import action_ids
from bot.web import web_app


def bare_app() -> SlackRequestHandler:
    """A Bolt app whose listener (Claim, Take next) only acks."""
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        token_verification_enabled=False,
    )

    def only_ack(ack: Ack) -> None:
        ack()

    app.action(action_ids.CLAIM)(only_ack)
    app.action(action_ids.TAKE_NEXT)(only_ack)
    return SlackRequestHandler(app)


def serve_bare_teams(port: int) -> None:
    """A Teams SDK app whose one handler answers every button with the same card, served the SDK's own way (its
    FastAPI adapter under uvicorn), checking every token as Squeaky does."""
    import asyncio

    from microsoft_teams.api.models.adaptive_card.adaptive_card_action_response import (
        AdaptiveCardActionCardResponse,
    )
    from microsoft_teams.apps import App
    from microsoft_teams.cards import AdaptiveCard, TextBlock

    from bot.teams.face import teams_cloud

    settings = load_settings()
    app = App(
        client_id=settings.teams_app_id,
        tenant_id=settings.teams_tenant_id,
        token=lambda scope, tenant=None: "unused",
        cloud=teams_cloud(settings),
        service_url=settings.teams_service_url,
    )
    answer = AdaptiveCardActionCardResponse(value=AdaptiveCard(body=[TextBlock(text="Claimed", wrap=True)]))

    @app.on_card_action
    async def only_answer(ctx: Any) -> AdaptiveCardActionCardResponse:
        return answer

    asyncio.run(app.start(port))


def _load(which: str) -> Any:
    if which == "bare":
        return bare_app()
    return web_app(build_services(load_settings()))


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
    if which == "bare-teams":
        serve_bare_teams(port)
    elif server == "gunicorn":
        _Gunicorn(which, port, int(sys.argv[4])).run()
    else:
        serve(_load(which), host="127.0.0.1", port=port, threads=16, _quiet=True)


if __name__ == "__main__":
    main()
