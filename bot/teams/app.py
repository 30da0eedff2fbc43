"""The Teams SDK app that answers Teams at /api/messages: every request's JWT checked by the SDK (issuer, audience,
signature against the JWKS, expiry, the `serviceurl` claim), then each activity handed to the face's handlers; a card
button's invoke is answered by the web endpoint itself, with the same checks (bot.teams.card_actions).

Handlers are thin: they read the activity and run the synchronous core on the loop's worker
threads (`asyncio.to_thread`), so one slow database call never holds up another invoke.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from microsoft_teams.api.activities.conversation.conversation_update import ConversationUpdateActivity
from microsoft_teams.api.activities.install_update.add import InstalledActivity
from microsoft_teams.api.activities.invoke.task.task_fetch import TaskFetchInvokeActivity
from microsoft_teams.api.activities.invoke.task.task_submit import TaskSubmitInvokeActivity
from microsoft_teams.api.activities.message.message import MessageActivity
from microsoft_teams.api.models.invoke_response import InvokeResponse
from microsoft_teams.apps import App
from microsoft_teams.apps.http.adapter import HttpMethod, HttpRouteHandler
from microsoft_teams.apps.routing.activity_context import ActivityContext

from bot.teams import commands, dialog_handlers
from bot.teams.face import teams_of
from bot.teams.senders import BadActivity, sender_of
from bot.wiring import Services

log = logging.getLogger(__name__)
MESSAGES_PATH = "/api/messages"


class RouteAdapter:
    """The SDK's HTTP adapter protocol, kept to what the web process needs: the route handler it registers."""

    def __init__(self) -> None:
        self.routes: dict[str, HttpRouteHandler] = {}

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        """Keep the handler the SDK registers for `path`."""
        self.routes[path] = handler

    def serve_static(self, path: str, directory: str) -> None:
        """Squeaky serves no static files through the Teams SDK."""

    async def start(self, port: int) -> None:
        """The web process serves the route itself (bot.web)."""
        raise NotImplementedError("the web process serves /api/messages")

    async def stop(self) -> None:
        """Nothing to stop."""


def build_teams_app(services: Services) -> tuple[App, RouteAdapter]:
    """The Teams SDK app with the face's handlers attached, and the adapter holding its route."""
    teams = teams_of(services)
    assert teams is not None
    adapter = RouteAdapter()
    app = App(
        client_id=teams.app_id,
        tenant_id=services.settings.teams_tenant_id,
        token=teams.token,
        cloud=teams.cloud,
        http_server_adapter=adapter,
        messaging_endpoint=MESSAGES_PATH,
        service_url=teams.place.service_url(),
    )
    _attach(app, services)
    return app, adapter


def _attach(app: App, services: Services) -> None:
    teams = teams_of(services)
    assert teams is not None
    replying: set[asyncio.Task[None]] = set()  # answers to messages still on their way (kept from the collector)

    @app.on_dialog_open
    async def on_dialog_open(ctx: ActivityContext[TaskFetchInvokeActivity]) -> InvokeResponse[Any]:
        data = ctx.activity.value.data if ctx.activity.value else None
        answer = await asyncio.to_thread(dialog_handlers.open_dialog, services, ctx.activity.from_, data)
        return InvokeResponse(status=200, body=answer)

    @app.on_dialog_submit
    async def on_dialog_submit(ctx: ActivityContext[TaskSubmitInvokeActivity]) -> InvokeResponse[Any]:
        data = ctx.activity.value.data if ctx.activity.value else None
        answer = await asyncio.to_thread(dialog_handlers.submit_dialog, services, ctx.activity.from_, data)
        return InvokeResponse(status=200, body=answer)

    @app.on_message
    async def on_message(ctx: ActivityContext[MessageActivity]) -> None:
        activity = ctx.activity
        entities = [e.model_dump(by_alias=True) for e in activity.entities or []]
        try:
            sender = sender_of(activity.from_)
        except BadActivity:
            return
        # Teams is answered at once; the answer card follows (it may wait out the conversation's pace)
        work = asyncio.to_thread(
            commands.reply, services, sender, activity.conversation.id, activity.text or "", entities
        )
        task = asyncio.get_running_loop().create_task(work)
        replying.add(task)
        task.add_done_callback(replying.discard)

    @app.on_conversation_update
    async def on_conversation_update(ctx: ActivityContext[ConversationUpdateActivity]) -> None:
        activity = ctx.activity
        added = [m.id for m in activity.members_added or []]
        if activity.recipient.id in added:
            await asyncio.to_thread(_installed, services, activity)

    @app.on_install_add
    async def on_install_add(ctx: ActivityContext[InstalledActivity]) -> None:
        await asyncio.to_thread(_installed, services, ctx.activity)


def _installed(services: Services, activity: Any) -> None:
    """Learn the channel and the address Teams gave when the app was added to a team."""
    conversation = activity.conversation
    if (conversation.conversation_type or "") != "channel":
        return  # a 1:1 or group chat: nothing to learn for the care team's cards
    data = activity.channel_data
    team = data.team.id if data is not None and data.team is not None else ""
    tenant = (data.tenant.id if data is not None and data.tenant is not None else None) or conversation.tenant_id or ""
    channel = conversation.id.split(";", 1)[0]
    teams_of(services).place.learn(service_url=activity.service_url, channel=channel, team=team or "", tenant=tenant)
    log.info("Squeaky was added to a Teams team: cards go to its channel %s", channel[:60])
