"""The chat tools Squeaky can serve. Each one is a package under bot/ exposing one factory, `TOOL`, in its module
`tool`; they are listed once, here, and imported when first asked for. Nothing else in bot/ names a chat tool: the
settings, the wiring, the web process, the worker, the periodic jobs, the startup checks and the queue file each
iterate this registry.

More tools (one's own, or a test's) are added by module path in SQUEAKY_CHAT_TOOLS (comma-separated), or by
`register(tool)` in the process itself.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from handlers.domain.people import Identity
from handlers.ports.coordination import StreamQueue
from handlers.ports.surfaces import Face

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.housekeeping import Job
    from bot.wiring import Core, Services
    from bot.wsgi import Route

CHAT_TOOLS = ("bot.slack.tool", "bot.teams.tool")  # the one list: each module's TOOL is a ChatTool
EXTRA_TOOLS = "SQUEAKY_CHAT_TOOLS"  # the environment variable naming more tool modules, comma-separated


@dataclass(frozen=True)
class BuiltFace:
    """A chat tool as one process runs it: the face the core delivers through, and the tool's own state (its
    clients, its directory) that only its own package reads back (`Services.face_parts[name]`)."""

    face: Face
    parts: object


@dataclass(frozen=True)
class ClickRoute:
    """Clicks a tool's web route acked and queued, for a worker to decide: the queue, and how one entry is decided
    (by the tool's own package, into the same use-case call its web route would make)."""

    queue: StreamQueue
    decide: Callable[[Mapping[str, Any]], None]


class Connection(Protocol):
    """A connection a tool keeps open from the web process itself (Slack's Socket Mode), besides its routes."""

    def open(self) -> None:
        """Connect (the routes are already served)."""
        ...

    def close(self) -> None:
        """Disconnect."""
        ...


@dataclass(frozen=True)
class WebParts:
    """What a tool adds to the web process: its routes by path, and any connection of its own."""

    routes: Mapping[str, Route] = field(default_factory=dict)
    connection: Connection | None = None


class ChatTool(Protocol):
    """One chat tool: its settings, its face and everything the generic processes ask of it."""

    name: str  # the surface name: in cards' refs, identities, the outbox and the queue file
    settings_model: type[BaseSettings]  # its settings, merged into bot.config.Settings
    channel_shape: tuple[re.Pattern[str], str]  # what a channel id looks like on it, and how to say so

    def enabled(self, settings: Settings) -> bool:
        """Whether it is on: any of its settings set."""
        ...

    def require(self, settings: Settings) -> None:
        """Raise SettingsError for what posting and updating cards on it needs and is missing."""
        ...

    def require_requests(self, settings: Settings) -> None:
        """Raise SettingsError for what answering its requests (the web process) needs and is missing."""
        ...

    def build(self, core: Core) -> BuiltFace:
        """Its face and state for one process (the settings were checked before)."""
        ...

    def web(self, services: Services) -> WebParts:
        """Its routes in the web process (and a connection of its own, if any)."""
        ...

    def keeps_connection(self, settings: Settings) -> bool:
        """Whether the web process must run in-process (not under gunicorn) to keep this tool's connection."""
        ...

    def cards_per_second(self, settings: Settings) -> float:
        """The pace it sustains for new cards in one channel (storm mode starts against the slowest tool)."""
        ...

    def click_route(self, services: Services) -> ClickRoute | None:
        """Clicks a worker decides for it; None when its web route decides them itself."""
        ...

    def jobs(self, services: Services) -> list[Job]:
        """Periodic jobs of its own for the worker's housekeeping."""
        ...

    def fallback_on_call(self, settings: Settings) -> Identity | None:
        """The person on call on this tool when no roster is set."""
        ...

    def link_secret(self, settings: Settings) -> SecretStr | None:
        """A secret of this tool's that may sign short-lived links (ticket pages, charts)."""
        ...

    def describe(self, settings: Settings) -> str:
        """Where it reaches this process, for the log at start (a path, or a connection)."""
        ...


_registered: dict[str, ChatTool] = {}
_loaded = False


def _module_paths() -> list[str]:
    extra = [part.strip() for part in os.environ.get(EXTRA_TOOLS, "").split(",") if part.strip()]
    return [*CHAT_TOOLS, *extra]


def _load() -> None:
    global _loaded
    if not _loaded:
        for path in _module_paths():
            tool: ChatTool = import_module(path).TOOL
            _registered.setdefault(tool.name, tool)
        _loaded = True


def register(tool: ChatTool) -> Callable[[], None]:
    """Add a chat tool in this process (after the listed ones); return what takes it away again."""
    _load()
    if tool.name in _registered:
        raise ValueError(f"a chat tool named {tool.name!r} is registered already")
    _registered[tool.name] = tool

    def unregister() -> None:
        _registered.pop(tool.name, None)

    return unregister


def chat_tools() -> tuple[ChatTool, ...]:
    """Every registered chat tool, on or not, in the list's order."""
    _load()
    return tuple(_registered.values())


def enabled_tools(settings: Settings) -> tuple[ChatTool, ...]:
    """The chat tools that are on."""
    return tuple(tool for tool in chat_tools() if tool.enabled(settings))


def tool_named(name: str) -> ChatTool | None:
    """The registered chat tool of that surface name."""
    _load()
    return _registered.get(name)


def _settings_models() -> tuple[type[BaseSettings], ...]:
    models: list[type[BaseSettings]] = []
    for path in _module_paths():
        model = import_module(path).TOOL.settings_model
        if model not in models:
            models.append(model)
    return tuple(models)


if TYPE_CHECKING:  # the listed tools' settings, spelled out for the type checker
    from bot.slack.settings import SlackSettings
    from bot.teams.settings import TeamsSettings

    class ToolSettings(SlackSettings, TeamsSettings):
        """Every chat tool's settings, as one model."""

else:
    ToolSettings = type("ToolSettings", _settings_models(), {"__doc__": "Every chat tool's settings, as one model."})
