"""The one command line, `python -m bot`: run, web, worker, ingest, migrate."""

from __future__ import annotations

import faulthandler
import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from bot.config import Settings, SettingsError, load_settings
from bot.logs import setup_logging
from bot.startup_checks import Process, check_settings, require_chat

log = logging.getLogger("bot")
T = TypeVar("T")


def _settings(process: Process | None = None) -> Settings:
    """The settings, checked for what `process` needs before it starts anything."""
    settings = load_settings()
    if process is not None:
        check_settings(settings, process)
    setup_logging(settings.secret_values(), logging.getLevelName(settings.log_level))
    return settings


def _stop_on_signals() -> threading.Event:
    """SIGINT and SIGTERM set the event that ends the process; SIGUSR1 prints every thread's stack to stderr (what a
    process that seems stuck is doing: `kill -USR1 <pid>`)."""
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _guard(fn: Callable[[], T]) -> T:
    """Run `fn`; a settings problem ends the process with its one-line message and exit code 2."""
    try:
        return fn()
    except SettingsError as exc:
        click.echo(f"squeaky: {exc}", err=True)
        sys.exit(2)


@click.group()
def main() -> None:
    """Squeaky: customer complaints from X as Slack cards that agents claim, acknowledge and ticket."""


@main.command()
def migrate() -> None:
    """Apply the database migrations (the Procfile's release step)."""

    def go() -> None:
        from storage.sql.migrate import upgrade

        settings = _settings()
        upgrade(settings.database_url)
        log.info("database is at the newest schema")

    _guard(go)


@main.command("teams-package")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("squeaky-teams.zip"))
def teams_package(out: Path) -> None:
    """Write the Teams app package (manifest and icons) for an admin to upload to Teams."""

    def go() -> None:
        from bot.teams.package import write_package

        written = write_package(load_settings(), out)
        click.echo(f"wrote {written}: upload it in the Teams admin center (Manage apps), then add Squeaky to the team")

    _guard(go)


@main.command()
@click.option("--port", type=int, default=None, help="HTTP port (default: $PORT, else 3000).")
def run(port: int | None) -> None:
    """Web, worker and ingest in one process, for a laptop, a demo or a small team."""

    def go() -> None:
        from bot.processes import run_all

        settings = _settings("run")
        run_all(settings, _stop_on_signals(), port or settings.port)

    _guard(go)


@main.command()
def web() -> None:
    """The Bolt app over HTTP behind gunicorn (or Socket Mode when SLACK_APP_TOKEN is set)."""

    def go() -> None:
        from bot.processes import run_web

        run_web(_settings("web"), _stop_on_signals)

    _guard(go)


@main.command()
def worker() -> None:
    """Consume the complaint stream, persist, post cards and run the outbox (needs REDIS_URL)."""

    def go() -> None:
        from bot.processes import run_worker_process

        run_worker_process(_settings("worker"), _stop_on_signals())

    _guard(go)


@main.command()
def ingest() -> None:
    """Poll X for the brand's mentions and put them on the stream (needs REDIS_URL)."""

    def go() -> None:
        from bot.processes import run_ingest_process

        run_ingest_process(_settings("ingest"), _stop_on_signals())

    _guard(go)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--speed",
    default="1",
    show_default=True,
    help="1 is real pace, 60 a minute a second, max as fast as possible.",
)
def replay(file: Path, speed: str) -> None:
    """Replay a file of posts (twcs CSV or JSONL) into Squeaky."""

    def go() -> None:
        from bot.bootstrap import build_core
        from bot.replay import ReplayError, replay
        from storage.sql.migrate import upgrade

        try:
            pace = 0.0 if speed == "max" else float(speed)
        except ValueError:
            raise click.BadParameter("a number, or max", param_hint="--speed") from None
        if pace < 0:
            raise click.BadParameter("a number of 0 or more, or max", param_hint="--speed")
        settings = _settings()
        direct = settings.redis_url is None
        if direct and not settings.chat_surfaces:  # it queues their cards here, one for each chat tool that is on
            require_chat(settings)  # a replay without Redis queues the cards itself
        core = build_core(settings)
        upgrade(settings.database_url)
        try:
            report = replay(core, file, speed=pace, direct=direct, progress=lambda n: log.info("replayed %d", n))
        except ReplayError as exc:
            click.echo(f"squeaky: {exc}", err=True)
            sys.exit(2)
        click.echo(report.summary())

    _guard(go)


@main.command()
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000), help="How many to list.")
def filtered(limit: int) -> None:
    """List the posts the noise rules filtered out (no card), newest first, with the rule that did it."""

    def go() -> None:
        from handlers.ports.clock import SystemClock
        from storage.sql.engine import make_engine
        from storage.sql.migrate import upgrade
        from storage.sql.unit_of_work import SqlUnitOfWorkFactory

        settings = _settings()
        upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        with SqlUnitOfWorkFactory(engine, SystemClock(), surfaces=())() as uow:
            counts = uow.messages.filtered_counts()
            recent = uow.messages.filtered(limit)
        engine.dispose()
        total = sum(counts.values())
        by_rule = ", ".join(f"{n:,} {rule}" for rule, n in sorted(counts.items())) or "nothing"
        click.echo(f"filtered out: {total:,} posts ({by_rule})")
        for message in recent:
            item = message.incoming
            text = " ".join(item.text.split())
            text = text if len(text) <= 100 else text[:99] + "…"
            click.echo(f"{item.created_at:%Y-%m-%d %H:%M}  [{message.note}]  @{item.author_handle}: {text}")

    _guard(go)


@main.group()
def vip() -> None:
    """The VIP/elite registry: customers' tiers, which raise their complaints' priority."""


@vip.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def vip_import(file: Path) -> None:
    """Register tiers from a CSV of handle,tier rows (a header row is fine)."""

    def go() -> None:
        from bot.bootstrap import build_core
        from handlers.intake.vip_registry import import_tiers
        from storage.sql.migrate import upgrade

        settings = _settings()
        core = build_core(settings)
        upgrade(settings.database_url)
        tiers = set(core.triage.priority.tier_points)
        report = import_tiers(core.uow_factory, file.read_text(encoding="utf-8", errors="replace"), tiers)
        bad = len(report.problems)
        click.echo(f"registered {report.stored:,} customers; {bad:,} line{'s' if bad != 1 else ''} could not be read")
        for line, problem in report.problems[:50]:
            click.echo(f"  line {line}: {problem}")
        if report.problems and not report.stored:
            sys.exit(1)

    _guard(go)


@main.group()
def suggestions() -> None:
    """Suggested replies: what they learn from besides the team's own answered cases."""


@suggestions.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--brand", "brands", multiple=True, help="ACCOUNT[=QUEUE]: only this brand's replies, for that queue")
def suggestions_import(file: Path, brands: tuple[str, ...]) -> None:
    """Learn from a twcs CSV: each customer's post with the brand's first reply, scrubbed of the customer's details."""

    def go() -> None:
        from bot.suggestions import import_twcs, parse_brands
        from storage.sql.engine import make_engine
        from storage.sql.migrate import upgrade

        settings = _settings()
        upgrade(settings.database_url)
        report = import_twcs(make_engine(settings.database_url), file, parse_brands(brands))
        click.echo(f"learned {report.added:,} new replies ({report.pairs:,} complaint-reply pairs in the file)")
        for brand, count in sorted(report.by_brand.items(), key=lambda kv: -kv[1])[:20]:
            click.echo(f"  {brand}: {count:,}")
        for problem in report.problems[:50]:
            click.echo(f"  line {problem.line}: {problem.reason}")

    _guard(go)


@vip.command("list")
def vip_list() -> None:
    """Show the registered customers and their tiers."""

    def go() -> None:
        from bot.bootstrap import build_core
        from storage.sql.migrate import upgrade

        settings = _settings()
        core = build_core(settings)
        upgrade(settings.database_url)
        with core.uow_factory() as uow:
            rows = uow.customers.registered()
        for handle, tier in rows:
            click.echo(f"@{handle}  {tier}")
        click.echo(f"{len(rows):,} registered customers")

    _guard(go)


@main.command()
@click.argument("period", default="30d")
@click.option("--queue", "queue", default=None, help="Only this queue's cases.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write (default: its own name).",
)
def export(period: str, queue: str | None, out: Path | None) -> None:
    """Write the cases that arrived in PERIOD (today, 24h, 7d, 30d or FROM..TO) as CSV, one row per case."""

    def go() -> None:
        from bot.bootstrap import build_core, lead_desk
        from handlers.cases.errors import InvalidRequest
        from handlers.team.export import ExportAsked
        from handlers.team.stats import parse_period
        from storage.sql.migrate import upgrade

        settings = _settings()
        core = build_core(settings)
        desk = lead_desk(core)
        try:
            asked = ExportAsked(parse_period(period, core.clock.now(), settings.team_timezone), queue)
        except InvalidRequest as exc:
            raise SettingsError(str(exc)) from None
        if queue is not None and desk.queues.named(queue) is None:
            known = ", ".join(q.name for q in desk.queues.all())
            raise SettingsError(f"there is no queue called {queue!r}; there are {known}.")
        upgrade(settings.database_url)
        data, count = desk.export_file(asked)
        target = out or Path(asked.filename)
        target.write_bytes(data)
        click.echo(f"wrote {count:,} case(s) to {target}")

    _guard(go)


@main.command()
@click.argument("handle")
@click.option("--yes", is_flag=True, help="Erase without asking (what would go is still printed first).")
def forget(handle: str, yes: bool) -> None:
    """Erase a customer's posts, names and handles everywhere (a right-to-be-forgotten request); counts stay."""

    def go() -> None:
        from bot.bootstrap import build_core
        from handlers.domain.complaint import Actor
        from handlers.people.erasure import forget as erase
        from handlers.people.erasure import normalize, preview
        from storage.sql.migrate import upgrade

        key = normalize(handle)
        if not key or not key.replace("_", "").isalnum():
            raise SettingsError(f"{handle!r} is not a handle such as @jane_doe.")
        settings = _settings()
        upgrade(settings.database_url)
        core = build_core(settings)
        click.echo(f"forgetting @{key} erases {preview(core.uow_factory, key).describe()} (and what is on the stream)")
        if not yes and not click.confirm("erase it? this cannot be undone", default=False):
            click.echo("nothing erased")
            return
        operator = Actor(id="cli", name="python -m bot forget", surface="cli")
        erased = erase(core.uow_factory, core.clock, core.queue, key, operator)
        click.echo(f"erased {erased.describe()}")

    _guard(go)
