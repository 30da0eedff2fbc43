"""The local Slack's file uploads (files upload v2), direct-message channels, App Home views, and what is POSTed to a
response_url (a slash command's answer; a click's, which with `replace_original` replaces the clicked message as
Slack does, for everyone, without spending chat.update's budget; five answers a URL): a mixin for LocalSlack, which
owns the state and the lock."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from sandbox.server import Request, Response

_IDS = itertools.count(1)
ANSWERS_PER_URL = 5  # Slack: a response_url takes five answers within 30 minutes


class FilesAndHome:
    """files.getUploadURLExternal, the upload itself, files.completeUploadExternal, conversations.open,
    views.publish, and POSTs to a slash command's response_url."""

    files: dict[str, dict[str, Any]]
    home_views: dict[str, dict[str, Any]]
    responses: list[dict[str, Any]]
    replaced: list[tuple[str, str, float]]  # (channel, ts, when) of each message a click's response_url replaced
    _answers: dict[str, int]
    messages: dict[tuple[str, str], dict[str, Any]]
    team_id: str
    bot_user_id: str
    url: str
    _next_ts: Callable[[], str]  # LocalSlack's: message timestamps as Slack makes them

    def extra_methods(self) -> dict[str, Any]:
        """The Web API methods this mixin answers."""
        return {
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "conversations.open": self._open_dm,
            "views.publish": self._publish,
        }

    def response_url(self) -> str:
        """A response_url to put in a slash command's payload; what is POSTed to it lands in `responses`."""
        return f"{self.url}/commands/response/{next(_IDS)}"

    def action_response_url(self, channel: str, ts: str) -> str:
        """The response_url of a click on the message `ts` in `channel`."""
        return f"{self.url}/actions/{self.team_id}/{channel}/{ts}/{next(_IDS)}"

    def _answer_click(self, request: Request) -> Response:
        """A click's response_url: `replace_original` replaces the message; `delete_original` is not used by us."""
        _, _, _team, channel, ts, _n = request.path.split("/")
        used = self._answers.get(request.path, 0)
        if used >= ANSWERS_PER_URL:
            return Response(404, b"used_url", {"Content-Type": "text/plain"})
        self._answers[request.path] = used + 1
        body = request.json()
        if not isinstance(body, dict):
            return Response(400, b"invalid_payload", {"Content-Type": "text/plain"})
        message = self.messages.get((channel, ts))
        if body.get("replace_original") in (True, "true") and message is not None:
            message.update({k: body[k] for k in ("text", "blocks") if k in body})
            self.replaced.append((channel, ts, time.time()))
        return Response(200, b"ok", {"Content-Type": "text/plain"})

    def serve_extra(self, request: Request) -> Response | None:
        """Uploads and responses are not Web API methods: answer them here (None: not ours)."""
        if request.path.startswith("/upload/"):
            file_id = request.path.removeprefix("/upload/")
            if file_id not in self.files:
                return Response(404, b"unknown upload")
            self.files[file_id]["content"] = request.body
            return Response(200, f"OK - {len(request.body)}".encode(), {"Content-Type": "text/plain"})
        if request.path.startswith("/actions/") and request.path.count("/") == 5:
            return self._answer_click(request)
        if request.path.startswith("/commands/response/"):
            body = request.json()
            if not isinstance(body, dict):
                body = {"invalid": request.body.decode(errors="replace")}
            self.responses.append({**body, "response_url_path": request.path})
            return Response(200, {"ok": True})
        return None

    def _upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        name, length = params.get("filename"), params.get("length")
        if not name or not str(length or "").isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(_IDS):08d}"
        self.files[file_id] = {"id": file_id, "name": name, "length": int(str(length)), "content": None}
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params.get("files")
        if isinstance(entries, str):
            entries = json.loads(entries)
        if not isinstance(entries, list) or not entries:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        for entry in entries:
            stored = self.files.get(str(entry.get("id")))
            if stored is None or stored["content"] is None:
                return {"ok": False, "error": "file_not_found"}
            stored["title"] = entry.get("title") or stored["name"]
            done.append({"id": stored["id"], "name": stored["name"], "title": stored["title"], "mimetype": "image/png"})
        channel = params.get("channel_id")
        if channel:
            ts = self._next_ts()
            self.messages[(str(channel), ts)] = {
                "type": "message",
                "user": self.bot_user_id,
                "text": params.get("initial_comment", ""),
                "files": done,
                "ts": ts,
                "thread_ts": params.get("thread_ts"),
            }
            for item in done:
                self.files[item["id"]]["channels"] = [channel]
        return {"ok": True, "files": done}

    def _open_dm(self, params: dict[str, Any]) -> dict[str, Any]:
        users = str(params.get("users") or "")
        if not users or users[0] not in "UW" or "," in users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": "D" + users[1:]}}

    def _publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user, view = str(params.get("user_id") or ""), params.get("view")
        if not user or not isinstance(view, dict) or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        published = {**view, "id": f"V{next(_IDS):08d}", "team_id": self.team_id}
        self.home_views[user] = published
        return {"ok": True, "view": published}
