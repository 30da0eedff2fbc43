"""Calls to the Bot Connector through the Teams SDK's API client, paced to Teams' limits and with Teams' failures
turned into the outbox's terms (wait, an outage, or no use retrying).

Teams allows a bot 7 operations a second, 8 in 2 s and 60 in 30 s in one conversation, and
about 50 a second in a tenant. Every process takes its slots from the shared limiter, so
three workers keep the pace one would. An urgent call (the update of a card somebody acted
on, an answer to a person, a VIP's card) may take the windows' reserve, which new cards
leave. A 429 blocks the conversation for every process for its Retry-After; 412, 502 and
504 (and any 5xx) pause the lane with backoff; neither SDK retries these on an ordinary
send, so the outbox does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
from microsoft_teams.api import Account, ApiClient
from microsoft_teams.api.activities.message.message import MessageActivityInput
from microsoft_teams.api.auth.cloud_environment import CloudEnvironment
from microsoft_teams.api.clients.conversation.params import CreateConversationParams
from microsoft_teams.common import Client, ClientOptions

from bot.pacing import LANES, Pacer, patiently, wait_from
from bot.teams.loop import LoopThread
from bot.teams.token import ClientCredentialsToken, TokenError
from handlers.ports.coordination import RateLimiter
from handlers.ports.gateways import PACING, DeliveryFailed

log = logging.getLogger(__name__)
T = TypeVar("T")

TIMEOUT_SECONDS = 10.0
_RETRY_LATER = {412, 502, 504}  # Teams' documented "retry with backoff" answers, beside 429


class TeamsConnector:
    """Send, reply, update and create conversations in Teams, for one bot."""

    def __init__(
        self,
        loop: LoopThread,
        token: ClientCredentialsToken,
        cloud: CloudEnvironment,
        limiter: RateLimiter,
        *,
        per_second: float = 7.0,
        tenant_per_second: float = 50.0,
    ) -> None:
        self._loop = loop
        self._token = token
        self._cloud = cloud
        self._pacer = Pacer(limiter)
        self._conversation = LANES["teams.conversation"].at_pace(per_second)  # its other windows keep their shape
        self._tenant = LANES["teams.tenant"].at_pace(tenant_per_second)
        self._clients: dict[str, ApiClient] = {}
        self._lock = threading.Lock()

    def _client(self, service_url: str) -> ApiClient:
        with self._lock:
            client = self._clients.get(service_url)
            if client is None:
                http = Client(ClientOptions(token=lambda: self._token(), timeout=TIMEOUT_SECONDS))
                client = self._clients[service_url] = ApiClient(service_url, http, cloud=self._cloud)
            return client

    def send(self, service_url: str, conversation: str, activity: MessageActivityInput, *, urgent: bool = False) -> str:
        """Post `activity` in `conversation`; the new activity's id."""
        self._pace(conversation, urgent=urgent)
        client = self._client(service_url)
        sent = self._call("send", conversation, lambda: client.conversations.create_activity(conversation, activity))
        return str(sent.id)

    def send_patiently(
        self, service_url: str, conversation: str, activity: MessageActivityInput, patience: float = 20.0
    ) -> str:
        """Post `activity`, waiting out our own pace and Teams' 429s and outages for up to `patience` seconds: for an
        answer someone is waiting for, which has no outbox message to come back to."""
        return patiently(lambda: self.send(service_url, conversation, activity, urgent=True), patience)

    def reply(self, service_url: str, conversation: str, activity_id: str, activity: MessageActivityInput) -> str:
        """Post `activity` in the thread of `activity_id`: a line that gives way to card updates (bot.pacing)."""
        self._pace(conversation, yielding=True)
        client = self._client(service_url)
        calls = client.conversations
        sent = self._call("reply", conversation, lambda: calls.reply_to_activity(conversation, activity_id, activity))
        return str(sent.id)

    def update(
        self,
        service_url: str,
        conversation: str,
        activity_id: str,
        activity: MessageActivityInput,
        *,
        urgent: bool = False,
    ) -> None:
        """Replace `activity_id` for everyone."""
        self._pace(conversation, urgent=urgent)
        client = self._client(service_url)
        calls = client.conversations
        self._call("update", conversation, lambda: calls.update_activity(conversation, activity_id, activity))

    def open_chat(self, service_url: str, user_id: str, tenant_id: str) -> str:
        """The 1:1 chat between the bot and `user_id` (Teams answers the same chat each time)."""
        self._pace("new-chat", urgent=True)
        params = CreateConversationParams(
            members=[Account(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}},
        )
        client = self._client(service_url)
        created = self._call("open a chat", user_id, lambda: client.conversations.create(params))
        return str(created.id)

    def members(self, service_url: str, conversation: str) -> list[dict[str, Any]]:
        """The members of a team or chat, as Teams lists them (id, name, aadObjectId, email…)."""
        client = self._client(service_url)
        found = self._call("list members", conversation, lambda: client.conversations.get_members(conversation))
        return [m.model_dump(by_alias=True) if hasattr(m, "model_dump") else dict(m) for m in found]

    def _pace(self, conversation: str, *, urgent: bool = False, yielding: bool = False) -> None:
        """A slot in the conversation's windows and the tenant's (their reserve too, when `urgent`; leaving more
        than the reserve, when `yielding`); or DeliveryFailed(throttled) saying how long."""
        for lane, scope in ((self._tenant, ""), (self._conversation, conversation)):
            wait = self._pacer.slot(lane, scope, urgent=urgent, yielding=yielding)
            if wait > 0:
                raise DeliveryFailed(f"{PACING} {lane.key_for(scope)}", retry_after=wait, throttled=True)

    def _call(self, what: str, conversation: str, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        try:
            return self._loop.run(make(), TIMEOUT_SECONDS + 5)
        except httpx.HTTPStatusError as exc:
            raise self._failure(what, conversation, exc.response) from None
        except TokenError as exc:
            raise DeliveryFailed(str(exc), outage=True, retry_after=30.0) from None
        except (httpx.TransportError, TimeoutError, OSError) as exc:
            raise DeliveryFailed(f"Teams unreachable ({what}: {exc.__class__.__name__})", outage=True) from None

    def _failure(self, what: str, conversation: str, response: httpx.Response) -> DeliveryFailed:
        status = response.status_code
        retry_after = wait_from(response.headers, fallback=0.0) or None
        code = _code(response)
        if status == 429:
            self._pacer.pause(self._conversation, conversation, retry_after or 1.0)
            return DeliveryFailed(f"Teams {what} rate limited", retry_after=retry_after or 1.0, throttled=True)
        if status in _RETRY_LATER or status >= 500:
            return DeliveryFailed(f"Teams {what} is failing ({status} {code})", outage=True, retry_after=retry_after)
        if status in (401, 403):  # the bot's credentials or its place in the team: nothing else will go either
            return DeliveryFailed(f"Teams refused the bot ({what}: {status} {code})", outage=True, retry_after=60.0)
        if status == 404 and code == "ActivityNotFoundInConversation":  # seen briefly after a post (msteams-docs #6139)
            return DeliveryFailed(f"Teams {what}: {code}", retry_after=5.0)
        return DeliveryFailed(f"Teams {what} failed: {status} {code}", permanent=True)


def _code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code") or "")[:80] if isinstance(error, dict) else ""
