"""The one wiring point: builds engines, clients, coordination and apps from the settings. Nothing runs at import."""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import redis
from pydantic import SecretStr

from bot.bluesky.network import bluesky_session
from bot.chat_tools import enabled_tools
from bot.config import Settings
from bot.drafts import drafter
from bot.mastodon.network import mastodon_account
from bot.networks import networks
from bot.outages import OUTAGES
from bot.queues_file import load_queues
from bot.startup_checks import require_chat, require_tickets
from bot.suggestions import suggester
from bot.templates_file import load_private_texts, load_templates
from bot.tickets.links import signed_link
from bot.topics import topic_model
from bot.triage_file import load_triage
from bot.wiring import Core, Services
from bot.x.length import XPostLength
from bot.x.network import x_read_client, x_replies
from handlers.cases.agent_desk import ActionRequest, AgentDesk
from handlers.cases.errors import InvalidRequest
from handlers.cases.sources import OpenSource, Sources
from handlers.domain.complaint import Action, Actor, Complaint, Role
from handlers.domain.outbox_kinds import PrivateMessage, TicketComment
from handlers.offline.deliveries import PrivateDeliveries
from handlers.offline.handoff import Handoff
from handlers.offline.survey import DEFAULT_SURVEY, Closing
from handlers.offline.ticket_comments import TicketComments
from handlers.outbox.runner import Handler, OutboxRunner
from handlers.people.who import Who
from handlers.ports.clock import Clock, SystemClock
from handlers.ports.coordination import Dedupe, Locks, SharedValues, StreamQueue
from handlers.ports.gateways import Pager, SocialGateway, SourceRules, TicketGateway
from handlers.ports.private import PrivateGateway
from handlers.ports.surfaces import Face
from handlers.queues.incident import IncidentDesk
from handlers.team.command_answers import LeadDesk
from storage.memory.keys import MemoryDedupe, MemoryLocks, MemoryValues
from storage.memory.stream import MemoryStreamQueue
from storage.rate_limit import WindowRateLimiter
from storage.redis.keys import RedisDedupe, RedisLocks, RedisValues
from storage.redis.stream import RedisStreamQueue
from storage.similarity import MinHashFingerprints
from storage.sql.engine import make_engine
from storage.sql.tickets import BuiltinTickets
from storage.sql.unit_of_work import SqlUnitOfWorkFactory

__all__ = ["bluesky_session", "mastodon_account", "x_read_client", "x_replies"]  # each network's own, read here too
STREAM = "squeaky:complaints"
GROUP = "workers"


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def build_core(settings: Settings, *, clock: Clock | None = None) -> Core:
    """Storage, coordination and triage; Redis when REDIS_URL is set, in-process coordination otherwise."""
    triage = replace(
        load_triage(settings.triage_config),
        queues=load_queues(settings.queues_config),
        fingerprints=MinHashFingerprints(),
    )
    clock = clock or SystemClock()
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pgbouncer=settings.db_pgbouncer,
    )
    queue: StreamQueue
    streams: Callable[[str], StreamQueue]
    locks: Locks
    dedupe: Dedupe
    values: SharedValues
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url)
        queue = RedisStreamQueue(client, STREAM, GROUP)
        streams = functools.partial(_redis_stream, client)
        locks = RedisLocks(client)
        dedupe = RedisDedupe(client)
        values = RedisValues(client)
        limiter = WindowRateLimiter(settings.redis_url)
    else:
        queue = MemoryStreamQueue()
        streams = functools.cache(lambda name: MemoryStreamQueue())  # one per name: shared by the process's threads
        locks = MemoryLocks()
        dedupe = MemoryDedupe()
        values = MemoryValues()
        limiter = WindowRateLimiter("memory://")
    learned = topic_model(settings, engine, triage.topics)
    triage = replace(triage, learned=learned, topic_confidence=settings.topic_confidence)
    return Core(
        settings=settings,
        clock=clock,
        engine=engine,
        uow_factory=SqlUnitOfWorkFactory(engine, clock, surfaces=settings.chat_surfaces),
        queue=queue,
        streams=streams,
        locks=locks,
        limiter=limiter,
        dedupe=dedupe,
        triage=triage,
        values=values,
    )


def _redis_stream(client: redis.Redis, name: str) -> StreamQueue:
    return RedisStreamQueue(client, name, GROUP)


def social_gateways(core: Core) -> dict[str, SocialGateway]:
    """The networks we can reply on, by source: each whose brand account's credentials are set (bot.networks)."""
    found = ((network.source, network.replies(core)) for network in networks())
    return {source: gateway for source, gateway in found if gateway is not None}


def private_gateways(core: Core) -> dict[str, PrivateGateway]:
    """The networks we can reach customers privately on, by source: each whose brand account is set (bot.networks)."""
    found = ((network.source, network.private(core)) for network in networks())
    return {source: gateway for source, gateway in found if gateway is not None}


def offline(core: Core, sources: Sources) -> tuple[dict[Action, Callable[[ActionRequest], Complaint]], Handler]:
    """Moving cases offline: Move to DMs and a close that asks the satisfaction question (the agents' desk's), and
    the delivery of private messages (the outbox's), with the templates file's texts or the built-in ones."""
    texts = load_private_texts(core.settings.reply_templates)
    handoff = Handoff(core.uow_factory, core.clock, sources, dm_link=core.settings.x_dm_link)
    handoff = replace(handoff, opening=texts["opening"]) if "opening" in texts else handoff
    closing = Closing(core.uow_factory, core.clock)
    private = PrivateDeliveries(
        core.uow_factory, core.clock, private_gateways(core), texts.get("survey", DEFAULT_SURVEY)
    )
    cases: dict[Action, Callable[[ActionRequest], Complaint]] = {
        Action.PRIVATE: handoff.move_to_dms,
        Action.PRIVATE_REPLY: handoff.reply_privately,
        Action.CLOSE: closing.close,
    }
    return cases, private.send


def tickets(core: Core) -> TicketGateway:
    """The ticketing system TICKET_SYSTEM names, with the settings it needs."""
    s = core.settings
    require_tickets(s)
    if s.ticket_system == "zendesk":
        from bot.tickets.zendesk import ZendeskTickets

        assert s.zendesk_subdomain and s.zendesk_email
        token = _secret(s.zendesk_api_token) or ""
        return ZendeskTickets(s.zendesk_subdomain, s.zendesk_email, token, base_url=s.zendesk_url)
    if s.ticket_system == "webhook":
        from bot.tickets.webhook import WebhookTickets

        assert s.ticket_webhook_url
        return WebhookTickets(s.ticket_webhook_url, _secret(s.ticket_webhook_secret) or "")
    return BuiltinTickets(core.engine, core.clock)


def social_sources(settings: Settings) -> Sources:
    """Each network's rules for a public reply, by source (bot.networks); any other source's are open, counted as X
    counts."""
    by_source: dict[str, SourceRules] = {network.source: network.rules(settings) for network in networks()}
    return Sources(by_source, other=OpenSource("the network", XPostLength()))


def ticket_page_link(
    settings: Settings, ticketing: TicketGateway, clock: Clock, actor: Actor, complaint_id: int
) -> str:
    """A short-lived signed link to the complaint's built-in ticket, for someone on the care team."""
    if Role.AGENT not in actor.roles:
        raise InvalidRequest("You are not on the care team, so you can't open tickets. Ask a team lead.")
    if not isinstance(ticketing, BuiltinTickets) or not settings.public_url or settings.link_secret is None:
        raise InvalidRequest("Ticket pages need PUBLIC_URL: ask whoever runs Squeaky.")
    ticket_id = ticketing.of_complaint(complaint_id)
    if ticket_id is None:
        raise InvalidRequest(f"#{complaint_id} has no ticket in Squeaky.")
    life = timedelta(minutes=settings.ticket_link_minutes)
    secret = settings.link_secret.get_secret_value()
    return signed_link(settings.public_url, secret, ticket_id, clock.now(), life)


def pager(settings: Settings) -> Pager | None:
    """PagerDuty when PAGERDUTY_ROUTING_KEY is set; None means the default, a direct message to whoever is on call."""
    key = _secret(settings.pagerduty_routing_key)
    if not key:
        return None
    from bot.paging.pagerduty import PagerDutyPager

    return PagerDutyPager(key, settings.pagerduty_events_url)


def process_name() -> str:
    """This process's name among the workers: host and pid (its Redis consumer name and its heartbeat's)."""
    return f"{socket.gethostname()}-{os.getpid()}"


def lead_desk(core: Core) -> LeadDesk:
    """The leads' commands, from the settings."""
    s = core.settings
    return LeadDesk(
        core.uow_factory,
        core.clock,
        timezone=s.team_timezone,
        fallback_on_call=s.fallback_on_call,
        handoff_hour=s.oncall_handoff_hour,
        tiers=set(core.triage.priority.tier_points),
        queues=core.triage.queues,
        stream=core.queue,
        follower_points=core.triage.priority.follower_points_per_decade,
        networks={source: rules.network for source, rules in social_sources(s).by_source.items()},
    )


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    """The core plus the chat tools that are on, X replies, tickets and the outbox runner: what the web process and
    the worker need."""
    require_chat(settings)
    core = build_core(settings, clock=clock)
    faces: dict[str, Face] = {}
    parts: dict[str, object] = {}
    for tool in enabled_tools(settings):  # each chat tool that is on, built by its own package (bot.chat_tools)
        built = tool.build(core)
        faces[tool.name], parts[tool.name] = built.face, built.parts
    ticketing = tickets(core)
    sources = social_sources(settings)
    templates = load_templates(settings.reply_templates)
    incidents = IncidentDesk(core.uow_factory, core.clock, sources, core.triage.queues, templates, settings.x_dm_link)
    offline_cases, send_private = offline(core, sources)
    runner = OutboxRunner(
        core.uow_factory,
        core.clock,
        faces,
        social=social_gateways(core),
        tickets=ticketing,
        pager=pager(settings),
        sources=sources,
        incidents=incidents,
        more={PrivateMessage: send_private, TicketComment: TicketComments(core.uow_factory, ticketing).add},
        outages=OUTAGES,
        owner=process_name(),
    )
    fields = {name: getattr(core, name) for name in Core.__dataclass_fields__}
    return Services(
        **fields,
        faces=faces,
        who=Who(core.uow_factory, core.values),
        agent_desk=AgentDesk(
            core.uow_factory,
            core.clock,
            sources,
            ticketing.system,
            templates,
            settings.x_dm_link,
            settings.fallback_on_call,
            suggester(settings, core.engine),
            drafter(settings, core.limiter),
            offline=offline_cases,
        ),
        lead_desk=lead_desk(core),
        incident_desk=incidents,
        outbox_runner=runner,
        ticket_system=ticketing.system,
        face_parts=parts,
        builtin_tickets=ticketing if isinstance(ticketing, BuiltinTickets) else None,
        ticket_page_link=functools.partial(ticket_page_link, settings, ticketing, core.clock),
    )
