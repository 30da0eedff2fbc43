"""The one wiring point: builds engines, clients, coordination and apps from the settings. Nothing runs at import."""

from __future__ import annotations

import functools
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import redis
import tweepy
from pydantic import SecretStr
from slack_bolt import App
from slack_sdk import WebClient

from bot.bluesky.client import BlueskySession
from bot.bluesky.normalize import SOURCE as BLUESKY
from bot.bluesky.replies import BlueskyReplies
from bot.bluesky.rules import BlueskyRules
from bot.config import Settings
from bot.mastodon.client import MastodonAccount
from bot.mastodon.client import host_of as mastodon_host
from bot.mastodon.client import make_client as make_mastodon_client
from bot.mastodon.length import MastodonPostLength
from bot.mastodon.normalize import SOURCE as MASTODON
from bot.mastodon.replies import MastodonReplies
from bot.mastodon.rules import MastodonRules
from bot.outages import OUTAGES
from bot.pacing import Pacer
from bot.paging.pagerduty import PagerDutyPager
from bot.queues_file import load_queues
from bot.slack.commands import register as register_commands
from bot.slack.form_seal import FormSealGate, form_key
from bot.slack.gateway import SlackChatGateway
from bot.slack.incident_listeners import register as register_incidents
from bot.slack.listeners import register
from bot.slack.modal_listeners import register as register_modals
from bot.slack.refs import SURFACE as SLACK
from bot.slack.team import TeamDirectory
from bot.slack.tenancy import WorkspaceGate, check_installation
from bot.startup_checks import require_chat, require_slack_requests, require_tickets
from bot.suggestions import suggester
from bot.teams.refs import SURFACE as TEAMS
from bot.templates_file import load_templates
from bot.tickets.links import signed_link
from bot.tickets.webhook import WebhookTickets
from bot.tickets.zendesk import ZendeskTickets
from bot.triage_file import load_triage
from bot.wiring import Core, Services
from bot.x.client import brand_user_id, make_client
from bot.x.length import XPostLength
from bot.x.replies import XReplies
from bot.x.rules import SOURCE as X_SOURCE
from bot.x.rules import XRules
from handlers.cases.agent_desk import AgentDesk
from handlers.cases.errors import InvalidRequest
from handlers.cases.sources import OpenSource, Sources
from handlers.domain.complaint import Actor, Role
from handlers.outbox.runner import OutboxRunner
from handlers.people.who import Who
from handlers.ports.clock import Clock, SystemClock
from handlers.ports.coordination import Dedupe, Locks, SharedValues, StreamQueue
from handlers.ports.gateways import Pager, SocialGateway, SourceRules, TicketGateway
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

LISTENER_THREADS = 32  # Bolt runs each listener (after its ack) on this pool; the next clicks ack on it too
STREAM = "squeaky:complaints"
CLICKS = "squeaky:clicks"
GROUP = "workers"


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def slack_client(settings: Settings) -> WebClient:
    """The slack-sdk WebClient, pointed at SLACK_API_URL."""
    settings.require("slack_bot_token")
    return WebClient(token=_secret(settings.slack_bot_token), base_url=settings.slack_api_url, timeout=10)


def x_read_client(settings: Settings) -> tweepy.Client:
    """A tweepy client with the app's bearer token, for reading mentions."""
    settings.require("x_bearer_token")
    return make_client(settings.x_api_url, bearer_token=_secret(settings.x_bearer_token))


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
    clicks: StreamQueue
    locks: Locks
    dedupe: Dedupe
    values: SharedValues
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url)
        queue = RedisStreamQueue(client, STREAM, GROUP)
        clicks = RedisStreamQueue(client, CLICKS, GROUP)
        locks = RedisLocks(client)
        dedupe = RedisDedupe(client)
        values = RedisValues(client)
        limiter = WindowRateLimiter(settings.redis_url)
    else:
        queue = MemoryStreamQueue()
        clicks = MemoryStreamQueue()
        locks = MemoryLocks()
        dedupe = MemoryDedupe()
        values = MemoryValues()
        limiter = WindowRateLimiter("memory://")
    return Core(
        settings=settings,
        clock=clock,
        engine=engine,
        uow_factory=SqlUnitOfWorkFactory(engine, clock, surfaces=settings.chat_surfaces),
        queue=queue,
        clicks=clicks,
        locks=locks,
        limiter=limiter,
        dedupe=dedupe,
        triage=triage,
        values=values,
    )


def x_replies(core: Core) -> XReplies | None:
    """The X reply gateway when the brand account's OAuth 1.0a keys are set, else None (replies then fail clearly)."""
    s = core.settings
    keys = (s.x_api_key, s.x_api_secret, s.x_access_token, s.x_access_token_secret)
    if not all(keys) or not s.x_brand_handles:
        return None
    client = make_client(
        s.x_api_url,
        bearer_token=_secret(s.x_bearer_token),
        consumer_key=_secret(s.x_api_key),
        consumer_secret=_secret(s.x_api_secret),
        access_token=_secret(s.x_access_token),
        access_token_secret=_secret(s.x_access_token_secret),
    )
    handle = s.x_brand_handles[0]
    return XReplies(
        client, handle, functools.cache(lambda: brand_user_id(client, core.uow_factory, handle)), core.limiter
    )


def bluesky_session(core: Core) -> BlueskySession | None:
    """The brand's Bluesky account when BLUESKY_HANDLE is set (it logs in when first used), its session shared with
    every process on the same Redis."""
    settings = core.settings
    if not settings.bluesky_on:
        return None
    settings.require("bluesky_handle", "bluesky_app_password", why="Bluesky is on")
    assert settings.bluesky_handle is not None
    password = _secret(settings.bluesky_app_password) or ""
    return BlueskySession(
        settings.bluesky_service_url,
        settings.bluesky_handle,
        password,
        values=core.values,
        locks=core.locks,
        pacer=Pacer(core.limiter),
    )


def mastodon_account(settings: Settings) -> MastodonAccount | None:
    """The brand's Mastodon account when MASTODON_API_BASE_URL is set (asked nothing until used)."""
    if not settings.mastodon_on:
        return None
    settings.require("mastodon_api_base_url", "mastodon_access_token", why="Mastodon is on")
    assert settings.mastodon_api_base_url is not None
    api = make_mastodon_client(settings.mastodon_api_base_url, _secret(settings.mastodon_access_token))
    return MastodonAccount(api, mastodon_host(settings.mastodon_api_base_url))


def social_gateways(core: Core) -> dict[str, SocialGateway]:
    """The networks we can reply on, by source: each whose brand account's credentials are set."""
    gateways: dict[str, SocialGateway] = {}
    x = x_replies(core)
    if x is not None:
        gateways[X_SOURCE] = x
    bluesky = bluesky_session(core)
    if bluesky is not None:
        gateways[BLUESKY] = BlueskyReplies(bluesky, core.limiter)
    mastodon = mastodon_account(core.settings)
    if mastodon is not None:
        gateways[MASTODON] = MastodonReplies(
            mastodon, MastodonPostLength(core.settings.mastodon_max_characters), core.limiter
        )
    return gateways


def tickets(core: Core) -> TicketGateway:
    """The ticketing system TICKET_SYSTEM names, with the settings it needs."""
    s = core.settings
    require_tickets(s)
    if s.ticket_system == "zendesk":
        assert s.zendesk_subdomain and s.zendesk_email
        token = _secret(s.zendesk_api_token) or ""
        return ZendeskTickets(s.zendesk_subdomain, s.zendesk_email, token, base_url=s.zendesk_url)
    if s.ticket_system == "webhook":
        assert s.ticket_webhook_url
        return WebhookTickets(s.ticket_webhook_url, _secret(s.ticket_webhook_secret) or "")
    return BuiltinTickets(core.engine, core.clock)


def social_sources(settings: Settings) -> Sources:
    """Each social source's rules: X's with its prices from the settings, Bluesky's, Mastodon's with the instance's
    length limit; any other source's are open."""
    x = XRules(settings.x_cost_per_post, settings.x_cost_per_post_with_url)
    mastodon = MastodonRules(length=MastodonPostLength(settings.mastodon_max_characters))
    by_source: dict[str, SourceRules] = {X_SOURCE: x, BLUESKY: BlueskyRules(), MASTODON: mastodon}
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
    """PagerDuty when PAGERDUTY_ROUTING_KEY is set; None means the default, a Slack DM to whoever is on call."""
    key = _secret(settings.pagerduty_routing_key)
    return PagerDutyPager(key, settings.pagerduty_events_url) if key else None


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
    chat: SlackChatGateway | None = None
    team: TeamDirectory | None = None
    if SLACK in settings.chat_surfaces:
        assert settings.slack_channel is not None
        client = slack_client(settings)
        chat = SlackChatGateway(
            client,
            settings.slack_channel,
            core.limiter,
            posts_per_second=settings.slack_posts_per_second,
            post_burst=settings.slack_post_burst,
            updates_per_second=settings.slack_updates_per_second,
            leads_group=settings.slack_leads_group,
            values=core.values,
            distribution=settings.slack_app_distribution,
        )
        team = TeamDirectory(client, settings.slack_agents_group, settings.slack_leads_group)
        faces[SLACK] = Face(cards=chat, notifier=chat, directory=team)
    teams = None
    if TEAMS in settings.chat_surfaces:
        from bot.teams.face import build_teams  # the Teams SDK takes half a second to import: only when Teams is on

        teams = build_teams(settings, core.uow_factory, core.limiter)
        faces[TEAMS] = Face(cards=teams.gateway, notifier=teams.gateway, directory=teams.directory)
    ticketing = tickets(core)
    sources = social_sources(settings)
    templates = load_templates(settings.reply_templates)
    incidents = IncidentDesk(core.uow_factory, core.clock, sources, core.triage.queues, templates, settings.x_dm_link)
    runner = OutboxRunner(
        core.uow_factory,
        core.clock,
        faces,
        social=social_gateways(core),
        tickets=ticketing,
        pager=pager(settings),
        sources=sources,
        incidents=incidents,
        outages=OUTAGES,
        owner=process_name(),
    )
    fields = {name: getattr(core, name) for name in Core.__dataclass_fields__}
    return Services(
        **fields,
        faces=faces,
        who=Who(core.uow_factory),
        agent_desk=AgentDesk(
            core.uow_factory,
            core.clock,
            sources,
            ticketing.system,
            templates,
            settings.x_dm_link,
            settings.fallback_on_call,
            suggester(settings, core.engine),
        ),
        lead_desk=lead_desk(core),
        incident_desk=incidents,
        outbox_runner=runner,
        ticket_system=ticketing.system,
        slack_chat=chat,
        slack_team=team,
        teams=teams,
        builtin_tickets=ticketing if isinstance(ticketing, BuiltinTickets) else None,
        ticket_page_link=functools.partial(ticket_page_link, settings, ticketing, core.clock),
    )


def build_bolt_app(services: Services) -> App:
    """The Bolt app with every listener attached (HTTP and Socket Mode share it)."""
    settings = services.settings
    require_slack_requests(settings)
    app = App(
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="slack-listener"),
        signing_secret=_secret(settings.slack_signing_secret) or "",
        client=slack_client(settings),
        process_before_response=False,
    )
    assert settings.slack_app_id is not None
    gate = WorkspaceGate(settings.slack_app_id, settings.slack_team_id, settings.slack_enterprise_id)
    app.use(gate.middleware)  # first of ours: before any listener, over HTTP and Socket Mode alike
    check_installation(app.client, settings.slack_team_id, settings.slack_enterprise_id)
    app.use(FormSealGate(form_key(settings)).middleware)  # a modal's payloads only with their seal intact
    services.team.warm()  # who is on the care team, read before the first click needs it
    register(app, services)
    register_modals(app, services)
    register_commands(app, services)
    register_incidents(app, services)
    return app
