"""Chirp, a chat tool that exists only in the tests: it keeps its cards as JSON in memory and takes clicks over a
small signed HTTP route. It is registered from a test (bot.chat_tools.register), touching no product file, to show
that a chat tool is one package with one factory."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from bot.chat_tools import BuiltFace, ClickRoute, WebParts
from handlers.cases.agent_desk import ActionRequest
from handlers.domain.activity import ActivityLine
from handlers.domain.card import CardView, FollowUpLine
from handlers.domain.complaint import Action, CardRef, Role
from handlers.domain.people import Identity
from handlers.domain.rich_text import Line
from handlers.ports.coordination import StreamQueue
from handlers.ports.surfaces import Face, Notice

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    from bot.config import Settings
    from bot.housekeeping import Job
    from bot.wiring import Core, Services

SURFACE = "chirp"
ROOM = "room-care"  # Chirp's own room for cards
CLICKS_PATH = "/chirp/clicks"
QUEUED = frozenset({Action.CLAIM, Action.RELEASE, Action.CLOSE})  # acked at once, decided by a worker


def signature(secret: str, body: bytes) -> str:
    """How Chirp signs a click: HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _json(card: CardView) -> dict[str, Any]:
    return json.loads(json.dumps(asdict(card), default=str))  # type: ignore[no-any-return]


@dataclass
class ChirpRoom:
    """Chirp's side: every card as JSON by its id, and every line posted."""

    cards: dict[str, dict[str, Any]] = field(default_factory=dict)
    lines: list[tuple[str, str]] = field(default_factory=list)  # (card id or handle, text)

    def post_card(self, channel: str, card: CardView) -> CardRef:
        """A new card in the room."""
        card_id = f"c{len(self.cards) + 1}"
        self.cards[card_id] = _json(card)
        return CardRef(SURFACE, channel or ROOM, {"message": card_id})

    def update_card(self, ref: CardRef, card: CardView) -> None:
        """The card as everyone now sees it."""
        self.cards[ref.data["message"]] = _json(card)

    def find_card(
        self, channel: str, complaint_id: int, since: datetime, tried_before: datetime | None = None
    ) -> CardRef | None:
        """Chirp cannot look."""
        return None

    def post_followup(self, ref: CardRef, followup: FollowUpLine) -> None:
        """A customer's follow-up under the card."""
        self.lines.append((ref.data["message"], str(followup)))

    def post_activity(self, ref: CardRef, line: ActivityLine) -> None:
        """Who did what, under the card."""
        self.lines.append((ref.data["message"], str(line)))

    def permalink(self, ref: CardRef) -> str | None:
        """No links in Chirp."""
        return None

    def notify(self, handle: str, text: str | Line, card: CardRef | None) -> None:
        """A direct message."""
        self.lines.append((handle, str(text)))

    def announce(self, channel: str, notice: Notice, *, ref: CardRef | None = None) -> CardRef:
        """A notice in the room."""
        self.lines.append((channel or ROOM, str(notice.text)))
        return ref or CardRef(SURFACE, channel or ROOM, {"message": f"n{len(self.lines)}"})

    def roles_of(self, handle: str) -> frozenset[Role]:
        """Everyone in Chirp is on the care team."""
        return frozenset({Role.AGENT})

    def name_of(self, handle: str) -> str:
        """Their handle."""
        return handle


class ChirpSettings(BaseSettings):
    """Chirp reads nothing from the environment: a test hands it its secret."""


class ChirpClicks:
    """POST /chirp/clicks: a signed click. Claim, release and close are queued for a worker and acked at once (202);
    a public reply is decided here and answered with the card as it now stands (200)."""

    def __init__(self, services: Services, secret: str, queue: StreamQueue) -> None:
        self._services, self._secret, self._queue = services, secret, queue

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one click."""
        from bot.wsgi import json_answer, read_body

        body = read_body(environ, 10_000)
        if not hmac.compare_digest(environ.get("HTTP_X_CHIRP_SIGNATURE", ""), signature(self._secret, body)):
            return json_answer(start_response, "401 Unauthorized", {"error": "bad signature"})
        click = json.loads(body)
        if Action(click["action"]) in QUEUED:
            self._queue.add({"click": body.decode()})
            return json_answer(start_response, "202 Accepted", {"queued": True})
        outcome = decide(self._services, click)
        card = self._services.agent_desk.load(int(click["complaint"]))
        return json_answer(start_response, "200 OK", {"refusal": outcome, "status": str(card.status)})


def decide(services: Services, click: Mapping[str, Any]) -> str | None:
    """The click as the same use-case call every face makes; the refusal, if any."""
    user = str(click["user"])
    who = services.who.actor(Identity(SURFACE, user, user), frozenset({Role.AGENT}))
    request = ActionRequest(who, int(click["complaint"]), Action(click["action"]), click.get("values", {}))
    return services.agent_desk.act(request).refusal


@dataclass
class ChirpTool:
    """Chirp's factory, as bot.chat_tools asks of every chat tool."""

    secret: str
    room: ChirpRoom = field(default_factory=ChirpRoom)
    name: str = SURFACE
    settings_model: type[BaseSettings] = ChirpSettings
    channel_shape: tuple[re.Pattern[str], str] = (re.compile(r"^room-[a-z]+$"), "a Chirp room such as room-care")
    decided: list[dict[str, Any]] = field(default_factory=list)  # the clicks a worker decided

    def enabled(self, settings: Settings) -> bool:
        """On whenever registered."""
        return True

    def require(self, settings: Settings) -> None:
        """Nothing to check."""

    def require_requests(self, settings: Settings) -> None:
        """Nothing to check: every click is signed."""

    def build(self, core: Core) -> BuiltFace:
        """The room is the cards, the notifier and the directory; the clicks' queue is Chirp's own state."""
        return BuiltFace(Face(cards=self.room, notifier=self.room, directory=self.room), core.streams("chirp:clicks"))

    def web(self, services: Services) -> WebParts:
        """POST /chirp/clicks."""
        return WebParts({CLICKS_PATH: ChirpClicks(services, self.secret, self._queue(services))})

    def keeps_connection(self, settings: Settings) -> bool:
        """Chirp calls us."""
        return False

    def cards_per_second(self, settings: Settings) -> float:
        """As fast as memory."""
        return 100.0

    def click_route(self, services: Services) -> ClickRoute | None:
        """Queued clicks, decided by a worker."""

        def run(payload: Mapping[str, Any]) -> None:
            click = json.loads(str(payload["click"]))
            decide(services, click)
            self.decided.append(click)

        return ClickRoute(self._queue(services), run)

    def jobs(self, services: Services) -> list[Job]:
        """None."""
        return []

    def fallback_on_call(self, settings: Settings) -> Identity | None:
        """Nobody."""
        return None

    def link_secret(self, settings: Settings) -> SecretStr | None:
        """None."""
        return None

    def describe(self, settings: Settings) -> str:
        """Its path."""
        return CLICKS_PATH

    @staticmethod
    def _queue(services: Services) -> StreamQueue:
        return cast(StreamQueue, services.face_parts[SURFACE])


TOOL = ChirpTool("chirp-secret-from-the-environment")  # for SQUEAKY_CHAT_TOOLS=tests.chirp_face
