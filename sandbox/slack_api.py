"""A local Slack Web API: the methods Squeaky calls, answered the way Slack documents them, every call recorded."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from sandbox.server import LocalServer, Request, Response
from sandbox.slack_files import FilesAndHome
from sandbox.slack_limits import ChannelPostLimit, HistoryLimit, UpdateLimit
from sandbox.slack_socket import LocalSocketMode

_JSON_FIELDS = ("blocks", "attachments", "view", "metadata")


@dataclass
class SlackCall:
    """One Web API call as received."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.time)


class LocalSlack(FilesAndHome, LocalServer):
    """Serves /api/<method> for the Web API methods Squeaky calls (chat, views, users, files, conversations)."""

    def __init__(
        self, token: str = "xoxb-local-test-token", team_id: str = "T0SQUEAKY", bot_user_id: str = "U0BOT"
    ) -> None:
        super().__init__()
        self.token = token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.calls: list[SlackCall] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self._ts = itertools.count(1)
        self._last_ts = 0
        self._ahead = 0.0  # seconds added to the clock that stamps messages (`later`)
        self._changed = threading.Condition(self.lock)
        self._methods = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "views.open": self._views_open,
            "users.info": self._users_info,
            "conversations.history": self._history,
            "chat.getPermalink": self._permalink,
            "views.update": self._views_update,
            "usergroups.users.list": self._usergroup_users,
            "apps.connections.open": lambda params: {"ok": True},  # answered before the bot token check
            **self.extra_methods(),
        }
        self.usergroups: dict[str, list[str]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.responses: list[dict[str, Any]] = []
        self.replaced: list[tuple[str, str, float]] = []
        self._answers: dict[str, int] = {}
        self.app_token = "xapp-1-A0SQUEAKY-local-app-token"
        self._socket_mode: LocalSocketMode | None = None
        self.post_limit: ChannelPostLimit | None = None  # set it to enforce Slack's posting limit (off by default)
        self.history_limit: HistoryLimit | None = None  # set it to be a distributed non-Marketplace app
        self.update_limit: UpdateLimit | None = UpdateLimit()  # chat.update's Tier 3 (None lifts it, for a baseline)

    # -- test helpers -----------------------------------------------------

    @property
    def socket_mode(self) -> LocalSocketMode:
        """The Socket Mode endpoint, started when first asked for."""
        with self.lock:
            if self._socket_mode is None:
                self._socket_mode = LocalSocketMode()
            return self._socket_mode

    def add_user(self, user_id: str, name: str, real_name: str | None = None) -> None:
        """Make a workspace member known to users.info."""
        with self.lock:
            self.users[user_id] = {
                "id": user_id,
                "team_id": self.team_id,
                "name": name,
                "real_name": real_name or name,
                "profile": {"display_name": name, "real_name": real_name or name},
                "is_bot": False,
            }

    def stop(self) -> None:
        """Stop serving, Socket Mode included."""
        if self._socket_mode is not None:
            self._socket_mode.stop()
        super().stop()

    def calls_to(self, method: str) -> list[SlackCall]:
        """Every recorded call of one method, oldest first."""
        with self.lock:
            return [call for call in self.calls if call.method == method]

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages posted in a channel (not replies in threads), oldest first."""
        with self.lock:
            ordered = sorted(self.messages.items(), key=lambda kv: float(kv[0][1]))
            return [m for (c, _ts), m in ordered if c == channel and not m.get("thread_ts")]

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The replies in a message's thread, oldest first."""
        with self.lock:
            ordered = sorted(self.messages.items(), key=lambda kv: float(kv[0][1]))
            return [m for (c, _ts), m in ordered if c == channel and m.get("thread_ts") == ts]

    def later(self, seconds: float) -> None:
        """Stamp messages from now on as if `seconds` had passed (a test that needs minutes between posts)."""
        with self.lock:
            self._ahead += seconds

    def rate_limit_next(self, method: str, retry_after: int = 1, count: int = 1) -> None:
        """Answer the next `count` calls of `method` with 429 and Retry-After, as Slack does."""
        self.fail_next(method, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}, count)

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> Any:
        """Wait until `predicate()` is truthy (re-checked on every call, and every 0.2 s); return its value or raise."""
        deadline = time.monotonic() + timeout
        while True:
            # Checked without holding the lock: a predicate may itself call this server (a worker pass posting cards).
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"local Slack: condition not met within {timeout}s; calls: {self._summary()}")
            with self._changed:
                self._changed.wait(min(remaining, 0.2))  # conditions may also turn on things other than calls

    def _summary(self) -> list[str]:
        return [call.method for call in self.calls]

    # -- the API ------------------------------------------------------------

    def route_of(self, request: Request) -> str:
        """Failures are queued per Web API method."""
        return request.path.removeprefix("/api/")

    def handle(self, request: Request) -> Response:
        """Check the token, record the call, answer it."""
        with self._changed:
            extra = self.serve_extra(request)
            if extra is not None:
                self._changed.notify_all()
                return extra
        method = self.route_of(request)
        params = _params(request)
        token = _token(request, params)
        if method == "chat.postMessage" and self.post_limit is not None:
            retry_after = self.post_limit.admit(_channel_of(str(params.get("channel") or "")))
            if retry_after is not None:
                return Response(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        if method == "chat.update" and self.update_limit is not None:
            retry_after = self.update_limit.admit(self.team_id)
            if retry_after is not None:
                return Response(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        if method in ("conversations.history", "conversations.replies") and self.history_limit is not None:
            retry_after = self.history_limit.admit(method)
            if retry_after is not None:
                return Response(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        with self._changed:
            self.calls.append(SlackCall(method, params, token))
            self._changed.notify_all()
        handler = self._methods.get(method)
        if handler is None:
            return Response(200, {"ok": False, "error": "unknown_method"})
        if token is None:
            return Response(200, {"ok": False, "error": "not_authed"})
        if method == "apps.connections.open":  # the one method that takes the app-level token, and only it
            if token != self.app_token:
                error = "not_allowed_token_type" if token == self.token else "invalid_auth"
                return Response(200, {"ok": False, "error": error})
            return Response(200, {"ok": True, "url": self.socket_mode.link(f"ticket-{len(self.calls)}")})
        if token != self.token:
            return Response(200, {"ok": False, "error": "invalid_auth"})
        with self._changed:
            body = handler(params)
            self._changed.notify_all()
        return Response(200, body)

    def _next_ts(self) -> str:
        """A message ts as Slack makes them: the time in microseconds, unique and increasing in a channel."""
        micros = max(int((time.time() + self._ahead) * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://squeaky-local.slack.com/",
            "team": "Squeaky (local)",
            "user": "squeaky",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": "B0SQUEAKY",
            "is_enterprise_install": False,
        }

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = _channel_of(str(params.get("channel") or ""))
        if not channel or channel[0] not in "CGD":
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": "B0SQUEAKY",
            "text": params.get("text", ""),
            "blocks": params.get("blocks", []),
            "posted_blocks": params.get("blocks", []),  # what the message said before any chat.update
            "metadata": params.get("metadata"),
            "ts": ts,
            "thread_ts": params.get("thread_ts"),
        }
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def say(self, channel: str, user: str, text: str) -> str:
        """A person's own message in a channel (Squeaky subscribes to no message events, so it is not told)."""
        with self.lock:
            ts = self._next_ts()
            self.messages[(channel, ts)] = {"type": "message", "user": user, "text": text, "ts": ts, "blocks": []}
        return ts

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params.get("channel")), str(params.get("ts")))
        message = self.messages.get(key)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message.update({k: params[k] for k in ("text", "blocks") if k in params})
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message["text"], "message": message}

    def _post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("user"):
            return {"ok": False, "error": "user_not_found"}
        ts = self._next_ts()
        self.ephemerals.append({**params, "message_ts": ts})
        return {"ok": True, "message_ts": ts}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        view = dict(params.get("view") or {})
        if not view:
            return {"ok": False, "error": "invalid_arguments"}
        view.update(id=f"V{next(self._ts):08d}", team_id=self.team_id, state={"values": {}}, hash=self._next_ts())
        view["opened_for"] = (
            str(params["trigger_id"]).split(".")[1] if str(params["trigger_id"]).count(".") >= 2 else ""
        )
        self.views.append(view)
        return {"ok": True, "view": view}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if not channel or channel[0] not in "CGD":
            return {"ok": False, "error": "channel_not_found"}
        oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or "inf")
        limit = min(int(params.get("limit") or 100), 999)
        if self.history_limit is not None:  # a distributed non-Marketplace app: 15 at most, and by default
            limit = min(int(params.get("limit") or self.history_limit.most), self.history_limit.most)
        cursor = float(params.get("cursor") or "inf")  # the ts to continue below (newest first)
        found = sorted(
            (m for (c, ts), m in self.messages.items() if c == channel and not m.get("thread_ts")),
            key=lambda m: float(m["ts"]),
            reverse=True,
        )
        found = [m for m in found if oldest < float(m["ts"]) < min(cursor, latest)]
        page, more = found[:limit], len(found) > limit
        with_metadata = str(params.get("include_all_metadata")).lower() in ("true", "1")
        shown = [{k: v for k, v in m.items() if k != "metadata" or with_metadata} for m in page]
        body: dict[str, Any] = {"ok": True, "messages": shown, "has_more": more}
        if more:
            body["response_metadata"] = {"next_cursor": page[-1]["ts"]}
        return body

    def _permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel")), str(params.get("message_ts"))
        if (channel, ts) not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        return {
            "ok": True,
            "channel": channel,
            "permalink": f"https://squeaky-local.slack.com/archives/{channel}/p{ts.replace('.', '')}",
        }

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = params.get("view_id")
        for n, view in enumerate(self.views):
            if view.get("id") == view_id:
                if params.get("hash") and params["hash"] != view.get("hash"):
                    return {"ok": False, "error": "hash_conflict"}
                updated = dict(params.get("view") or {})
                updated.update(id=view_id, team_id=self.team_id, state={"values": {}}, hash=self._next_ts())
                updated["opened_for"] = view.get("opened_for", "")
                self.views[n] = updated
                return {"ok": True, "view": updated}
        return {"ok": False, "error": "not_found"}

    def _usergroup_users(self, params: dict[str, Any]) -> dict[str, Any]:
        group = str(params.get("usergroup") or "")
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[group])}

    def dm(self, user_id: str) -> list[dict[str, Any]]:
        """The app's direct messages to a user."""
        return self.channel_messages("D" + user_id[1:])

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}


def _params(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if "application/json" in content_type:
        body = request.json()
        params: dict[str, Any] = body if isinstance(body, dict) else {}
    else:
        params = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        for name in _JSON_FIELDS:
            if isinstance(params.get(name), str):
                with contextlib.suppress(ValueError):
                    params[name] = json.loads(params[name])
    return {**request.query, **params}


def _channel_of(channel: str) -> str:
    """The channel a post goes to: a user id means the app's direct message with that user."""
    return "D" + channel[1:] if channel[:1] in ("U", "W") else channel


def _token(request: Request, params: dict[str, Any]) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.startswith("Bearer "):
        return auth[len("Bearer ") :]
    token = params.pop("token", None)
    return str(token) if token else None
