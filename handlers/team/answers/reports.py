"""The report subcommands' answers: `stats`, `backlog` and `export`."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.domain.complaint import Actor
from handlers.domain.people import Identity
from handlers.domain.sla import with_defaults
from handlers.team.answers.desk import Answer, Desk
from handlers.team.csat_lines import csat_lines
from handlers.team.export import ExportAsked
from handlers.team.fairness_lines import fairness_lines
from handlers.team.stats import parse_period
from handlers.team.words.reports import Backlog, Export, Stats

BACKLOG_SIZE = 15


def answer_stats(desk: Desk, actor: Actor, request: Stats, mentions: Mapping[str, Identity]) -> Answer:
    """`stats`: the figures of a period, or its fairness."""
    now = desk.clock.now()
    period = parse_period(request.period, now, desk.timezone)
    queue = desk.queue_named(request.queue, "stats")
    where = f" on {queue}" if queue else ""
    if request.fairness:
        with desk.uow_factory() as uow:
            fairness = uow.stats.fairness(period, queue)
        lines = fairness_lines(fairness, desk.follower_points)
        return Answer(f"Fairness for {period.label}{where}", lines, public=request.public)
    with desk.uow_factory() as uow:
        policies = with_defaults(uow.team.sla_policies())
        report = uow.stats.report(period, policies, request.by, now, queue)
        csat = uow.stats.csat(period, queue)
    title = f"Stats for {period.label}{where}"
    lines = csat_lines(csat, desk.networks)
    return Answer(title, lines, public=request.public, report=report, chart=period, queue=queue)


def answer_backlog(desk: Desk, actor: Actor, request: Backlog, mentions: Mapping[str, Identity]) -> Answer:
    """`backlog`: the most urgent complaints waiting for an owner."""
    queue = desk.queue_named(request.queue, "backlog")
    with desk.uow_factory() as uow:
        waiting = uow.stats.waiting(BACKLOG_SIZE, queue=queue)
    where = f" on {queue}" if queue else ""
    title = f"Backlog{where}: {len(waiting)} waiting for an owner" if waiting else f"Backlog{where}: nothing waiting"
    return Answer(title, public=request.public, waiting=tuple(waiting))


def answer_export(desk: Desk, actor: Actor, request: Export, mentions: Mapping[str, Identity]) -> Answer:
    """`export`: audited, then the CSV file follows the answer."""
    period = parse_period(request.period, desk.clock.now(), desk.timezone)
    queue = desk.queue_named(request.queue, "export")
    asked = ExportAsked(period, queue)
    desk.audit(actor, "export", {"period": period.label, "queue": queue})
    where = f" on {queue}" if queue else ""
    return Answer(
        f"Export of the cases of {period.label}{where}", (f"The file {asked.filename} follows.",), export=asked
    )
