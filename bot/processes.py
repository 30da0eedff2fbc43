"""The processes of the Procfile, and `run`, which hosts all three in one process."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from bot.bootstrap import build_core, build_services
from bot.chat_tools import enabled_tools
from bot.config import Settings
from bot.heap import settle_heap
from bot.serving import BackgroundServer
from bot.supervision import Supervisor
from bot.web import WebApp, web_app
from bot.wiring import Services
from bot.worker import run_worker
from storage.sql.engine import describe_pool

log = logging.getLogger(__name__)


def run_all(settings: Settings, stop: threading.Event, port: int) -> None:
    """Migrate, then serve the chat tools, work the stream and poll the networks in one process until `stop`."""
    from bot.ingest import run_ingest
    from storage.sql.migrate import upgrade

    services = build_services(settings)
    log.info(describe_pool(services.engine))
    web = web_app(services)  # settings are checked before any write
    upgrade(settings.database_url)
    threads = Supervisor(stop)  # the worker's and ingest's loops, each started again should it die
    threads.start("worker", functools.partial(run_worker, services, stop))
    x_on = bool(settings.x_bearer_token and settings.x_brand_handles)
    if x_on or settings.bluesky_on or settings.mastodon_on:
        threads.start("ingest", functools.partial(run_ingest, services, stop))
    if not x_on:
        log.warning("X is not configured (X_BEARER_TOKEN, X_BRAND_HANDLES): no X mentions will be polled")
    serve(web, services, stop, port)
    threads.join(timeout=5)


def serve(web: WebApp, services: Services, stop: threading.Event, port: int) -> None:
    """Serve `web` over HTTP on `port` and open the chat tools' own connections (Slack's Socket Mode), until
    `stop`."""
    server = BackgroundServer(web, host=services.settings.bind_address, port=port).start()
    for connection in web.connections:
        connection.open()
    log.info("Squeaky is listening on http://127.0.0.1:%d (%s)", port, ", ".join(web.descriptions) or "no chat tool")
    stop.wait()
    for connection in web.connections:
        connection.close()
    server.close()


def run_web(settings: Settings, stop: Callable[[], threading.Event]) -> None:
    """Serve the web app: gunicorn with several workers over HTTP, or in this process when a chat tool keeps a
    connection of its own (Slack's Socket Mode, SLACK_APP_TOKEN; then `stop()` gives the event that ends it;
    gunicorn handles its own signals)."""
    if any(tool.keeps_connection(settings) for tool in enabled_tools(settings)):
        services = build_services(settings)
        log.info(describe_pool(services.engine))
        serve(web_app(services), services, stop(), settings.port)
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
    settle_heap()  # a storm's batches otherwise pay for full passes over everything startup built
    run_worker(services, stop)


def run_ingest_process(settings: Settings, stop: threading.Event) -> None:
    """The networks' pollers on their own; they share the stream with the workers through Redis."""
    from bot.ingest import run_ingest

    core = build_core(settings)
    log.info(describe_pool(core.engine))
    run_ingest(core, stop)
