"""The processes of the Procfile, and `run`, which hosts all three in one process."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from bot.bootstrap import build_core, build_services
from bot.config import Settings
from bot.ingest import run_ingest
from bot.serving import BackgroundServer
from bot.supervision import Supervisor
from bot.web import WebApp, web_app
from bot.wiring import Services
from bot.worker import run_worker
from storage.sql.engine import describe_pool

log = logging.getLogger(__name__)


def run_all(settings: Settings, stop: threading.Event, port: int) -> None:
    """Migrate, then serve the chat tools, work the stream and poll the networks in one process until `stop`."""
    from storage.sql.migrate import upgrade

    services = build_services(settings)
    log.info(describe_pool(services.engine))
    web = web_app(services, slack_over_http=not settings.slack_app_token)  # settings are checked before any write
    upgrade(settings.database_url)
    threads = Supervisor(stop)  # the worker's and ingest's loops, each started again should it die
    threads.start("worker", functools.partial(run_worker, services, stop))
    x_on = bool(settings.x_bearer_token and settings.x_brand_handles)
    if x_on or settings.bluesky_on or settings.mastodon_on:
        threads.start("ingest", functools.partial(run_ingest, services, stop))
    if not x_on:
        log.warning("X is not configured (X_BEARER_TOKEN, X_BRAND_HANDLES): no X mentions will be polled")
    if settings.slack_app_token:
        serve_socket_mode(web, services, stop, port)
    else:
        server = BackgroundServer(web, host=settings.bind_address, port=port).start()
        paths = " and ".join(p for p, on in (("/slack/events", web.slack_on), ("/api/messages", web.teams_on)) if on)
        log.info("Squeaky is listening on http://127.0.0.1:%d (%s)", port, paths)
        stop.wait()
        server.close()
    threads.join(timeout=5)


def serve_socket_mode(web: WebApp, services: Services, stop: threading.Event, port: int) -> None:
    """Slack over Socket Mode; Teams, the HTTP intake, ticket pages and /healthz still over HTTP on `port`, until
    `stop`."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    token = services.settings.slack_app_token
    assert token is not None and web.bolt is not None
    server = BackgroundServer(web, host=services.settings.bind_address, port=port).start()
    handler = SocketModeHandler(web.bolt, token.get_secret_value())
    handler.connect()  # type: ignore[no-untyped-call]
    log.info("Squeaky is running over Slack Socket Mode; /intake and /healthz on http://127.0.0.1:%d", port)
    stop.wait()
    handler.close()  # type: ignore[no-untyped-call]
    server.close()


def run_web(settings: Settings, stop: Callable[[], threading.Event]) -> None:
    """Serve the Bolt app: gunicorn with several workers over HTTP, or Socket Mode when SLACK_APP_TOKEN is set
    (then `stop()` gives the event that ends it; gunicorn handles its own signals)."""
    if settings.slack_app_token:
        services = build_services(settings)
        log.info(describe_pool(services.engine))
        serve_socket_mode(web_app(services, slack_over_http=False), services, stop(), settings.port)
        return
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{settings.bind_address}:{settings.port}")
            self.cfg.set("workers", settings.web_concurrency)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", 8)
            self.cfg.set("timeout", 30)

        def load(self) -> Any:
            from bot.web import create_wsgi_app

            return create_wsgi_app()

    _Gunicorn().run()


def run_worker_process(settings: Settings, stop: threading.Event) -> None:
    """The worker on its own; it shares the stream with ingest through Redis."""
    services = build_services(settings)
    log.info(describe_pool(services.engine))
    run_worker(services, stop)


def run_ingest_process(settings: Settings, stop: threading.Event) -> None:
    """The networks' pollers on their own; they share the stream with the workers through Redis."""
    core = build_core(settings)
    log.info(describe_pool(core.engine))
    run_ingest(core, stop)
