"""The sandbox workspace: a web page that plays a Slack workspace, a Teams team (and X) for Squeaky, for development
and demos.

It renders what the local Slack holds: the care channel's cards with their threads,
ephemeral messages, modals, images, direct messages and the App Home, for whichever
person you pick in the user switcher. A click, a modal submission, a slash command or
opening the Home tab is sent to Squeaky's real Bolt app exactly as Slack would send it:
the same payload, signed with the signing secret. The X side shows the mentions and the
public replies Squeaky posts, threaded under the customer's post, on X, Bluesky and Mastodon side by side, each with
its private conversations (direct messages, chats, direct posts) beside them.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sandbox.bluesky_api import LocalBluesky
from sandbox.interactions import (
    block_action,
    post_command,
    post_event,
    post_signed,
    slash_command,
    view_action,
    view_submission,
)
from sandbox.mastodon_api import LocalMastodon
from sandbox.private_view import private_side
from sandbox.server import LocalServer, Request, Response
from sandbox.slack_api import LocalSlack
from sandbox.teams_view import TeamsView
from sandbox.x_api import LocalX, as_people_see

STATIC = Path(__file__).resolve().parent / "static"
COMMANDS = ("/squeaky",)  # the slash commands the workspace has (the app manifest's)
NOT_A_COMMAND = 'In Slack, all messages that start with the "/" character are interpreted as commands.'

CARD_EVENT = "squeaky_card"


@dataclass(frozen=True)
class Person:
    """Someone you can be in the sandbox."""

    id: str
    name: str
    role: str  # "agent" or "lead"


PEOPLE = (Person("U0ALICE", "alice", "agent"), Person("U0BOB", "bob", "agent"), Person("U0LEA", "lea", "lead"))
LEADS_GROUP = "S0LEADS"


@dataclass
class Progress:
    """How far the demo's replay has got."""

    replayed: int = 0
    total: int = 0


@dataclass
class _Seen:
    closed_views: set[str] = field(default_factory=set)
    answers: list[dict[str, Any]] = field(default_factory=list)  # slash command answers, by person
    response_paths: dict[str, str] = field(default_factory=dict)  # response_url path -> person
    dismissed: set[tuple[str, str]] = field(default_factory=set)  # (person, key) of private messages dismissed


class SandboxWorkspace(LocalServer):
    """Serves the page, its state as JSON, and turns the page's clicks into signed requests to Squeaky."""

    def __init__(
        self,
        slack: LocalSlack,
        x: LocalX,
        events_url: str,
        signing_secret: str,
        *,
        channel: str = "C0CARE",
        people: tuple[Person, ...] = PEOPLE,
        teams: TeamsView | None = None,
        bluesky: LocalBluesky | None = None,
        mastodon: LocalMastodon | None = None,
    ) -> None:
        super().__init__()
        self.slack, self.x = slack, x
        self.bluesky, self.mastodon = bluesky, mastodon
        self.events_url, self.secret, self.channel = events_url, signing_secret, channel
        self.people = people
        self.teams = teams
        self.progress = Progress()
        self._seen = _Seen()
        self._lock = threading.Lock()
        for person in people:
            slack.add_user(person.id, person.name)
        slack.usergroups.setdefault(LEADS_GROUP, [p.id for p in people if p.role == "lead"])

    # -- routes -----------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer the page, its static files, its state and its actions."""
        path = request.path
        if request.method == "GET":
            if path in ("/", "/index.html"):
                return self._static("workspace.html")
            if path.startswith("/static/"):
                return self._static(path.removeprefix("/static/"))
            if path.startswith("/files/"):
                return self._file(path.removeprefix("/files/"))
            if path == "/ui/state":
                user = request.query.get("user", self.people[0].id)
                if user not in {p.id for p in self.people}:
                    return Response(400, {"error": "no such person in the sandbox"})
                return Response(200, self.state(user))
            return Response(404, {"error": "no such page"})
        body = request.json() or {}
        if not isinstance(body, dict) or body.get("user") not in {p.id for p in self.people}:
            return Response(400, {"error": "say who you are: user must be one of the sandbox's people"})
        actions: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "/ui/click": self.click,
            "/ui/view-action": self.view_action,
            "/ui/submit": self.submit,
            "/ui/close": self.close,
            "/ui/command": self.command,
            "/ui/home": self.open_home,
            "/ui/dismiss": self.dismiss,
            "/ui/reloaded": self.reloaded,
        }
        if self.teams is not None:
            teams, user = self.teams, body["user"]
            actions |= {
                "/ui/teams/click": lambda b: teams.click(user, b),
                "/ui/teams/dialog": lambda b: teams.open_dialog(user, b),
                "/ui/teams/submit": lambda b: teams.submit_dialog(user, b),
                "/ui/teams/close": lambda b: teams.close_dialog(user),
                "/ui/teams/say": lambda b: teams.say(user, b),
            }
        action = actions.get(path)
        if action is None:
            return Response(404, {"error": "no such action"})
        return Response(200, action(body))

    def _static(self, name: str) -> Response:
        target = (STATIC / name).resolve()
        if STATIC not in target.parents or not target.is_file():
            return Response(404, {"error": "no such file"})
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return Response(
            200, target.read_bytes(), {"Content-Type": f"{kind}; charset=utf-8", "Cache-Control": "no-store"}
        )

    def _file(self, file_id: str) -> Response:
        stored = self.slack.files.get(file_id)
        if stored is None or stored.get("content") is None:
            return Response(404, {"error": "no such file"})
        return Response(200, stored["content"], {"Content-Type": "image/png"})

    # -- what the page shows ------------------------------------------------

    def _person(self, user: str) -> Person:
        return next(p for p in self.people if p.id == user)

    def _message(self, channel: str, message: dict[str, Any]) -> dict[str, Any]:
        shown = {k: message.get(k) for k in ("ts", "text", "blocks", "files", "edited", "user")}
        shown["author"] = next((p.name for p in self.people if p.id == message.get("user")), None)
        shown["replies"] = [self._message(channel, r) for r in self.slack.thread(channel, str(message["ts"]))]
        shown["card"] = (message.get("metadata") or {}).get("event_type") == CARD_EVENT
        return shown

    def state(self, user: str) -> dict[str, Any]:
        """Everything the page shows to `user`, as JSON."""
        with self.slack.lock:
            channel = [self._message(self.channel, m) for m in self.slack.channel_messages(self.channel)]
            dms = [self._message("D" + user[1:], m) for m in self.slack.dm(user)]
            ephemerals = [{**e, "key": f"e{e['message_ts']}"} for e in self.slack.ephemerals if e.get("user") == user]
            views = [
                v for v in self.slack.views if v.get("opened_for") == user and v["id"] not in self._seen.closed_views
            ]
            home = self.slack.home_views.get(user)
            responses = [
                {"user": user, "body": r, "key": f"r{n}"} for n, r in enumerate(self.slack.responses)
                if self._seen.response_paths.get(str(r.get("response_url_path"))) == user
            ]  # fmt: skip
        with self._lock:
            answers = [
                {**a, "key": f"a{n}"}
                for n, a in enumerate(self._seen.answers)
                if a["user"] == user or a["body"].get("response_type") == "in_channel"
            ]
            gone = {key for who, key in self._seen.dismissed if who == user}
        return {
            "me": asdict(self._person(user)),
            "people": [asdict(p) for p in self.people],
            "channel": channel,
            "dms": dms,
            "ephemerals": [e for e in ephemerals if e["key"] not in gone],
            "answers": [a for a in answers + responses if a["key"] not in gone],
            "modal": views[-1] if views else None,
            "home": home,
            "x": self._x_threads(),
            "bluesky": self._bluesky_threads(),
            "mastodon": self._mastodon_threads(),
            "private": private_side(self.x, self.bluesky, self.mastodon),  # beside the public threads
            "progress": {**asdict(self.progress), "carded": sum(1 for m in channel if m["card"])},
            "teams": self.teams.state(user) if self.teams is not None else None,
        }

    def _x_threads(self) -> list[dict[str, Any]]:
        with self.x.lock:
            users = {uid: u["username"] for uid, u in self.x.users.items()}
            tweets = sorted(self.x.tweets.values(), key=lambda t: int(t["id"]))
        shown = {
            t["id"]: {"id": t["id"], "author": users.get(t["author_id"], "?"), "text": as_people_see(t), "replies": []}
            for t in tweets
        }
        roots: list[dict[str, Any]] = []
        for tweet in tweets:
            parent = next((r["id"] for r in tweet.get("referenced_tweets", []) if r["type"] == "replied_to"), None)
            (shown[parent]["replies"] if parent in shown else roots).append(shown[tweet["id"]])
        return roots[::-1]

    def _bluesky_threads(self) -> list[dict[str, Any]]:
        if self.bluesky is None:
            return []
        with self.bluesky.lock:
            posts = sorted(self.bluesky.posts.values(), key=lambda p: p["indexedAt"])
        parents = {p["uri"]: p["record"].get("reply", {}).get("parent", {}).get("uri") for p in posts}
        shown = {p["uri"]: _post(p["uri"], p["author"]["handle"], p["record"]["text"]) for p in posts}
        return _threads(list(shown.values()), parents)

    def _mastodon_threads(self) -> list[dict[str, Any]]:
        if self.mastodon is None:
            return []
        with self.mastodon.lock:
            statuses = sorted(
                (s for s in self.mastodon.statuses.values() if s["visibility"] != "direct"), key=lambda s: int(s["id"])
            )  # direct posts are private: shown with the private conversations
        parents = {s["id"]: s["in_reply_to_id"] for s in statuses}
        shown = [
            _post(s["id"], s["account"]["acct"], s["text"], s["visibility"] if s["visibility"] != "public" else None)
            for s in statuses
        ]
        return _threads(shown, parents)

    # -- what the page does ---------------------------------------------------

    def click(self, body: dict[str, Any]) -> dict[str, Any]:
        """A button or menu on a message: the block_actions payload Slack would send."""
        person = self._person(body["user"])
        channel, ts = str(body.get("channel") or self.channel), str(body.get("ts"))
        payload = block_action(
            person.id,
            person.name,
            str(body.get("action_id")),
            str(body.get("value") or ""),
            channel,
            ts,
            selected=body.get("selected"),
            response_url=self.slack.action_response_url(channel, ts),
        )
        payload["actions"][0]["block_id"] = str(body.get("block_id") or payload["actions"][0]["block_id"])
        response = post_signed(self.events_url, self.secret, payload)
        return {"status": response.status_code}

    def _view(self, view_id: str) -> dict[str, Any] | None:
        with self.slack.lock:
            return next((dict(v) for v in self.slack.views if v.get("id") == view_id), None)

    def view_action(self, body: dict[str, Any]) -> dict[str, Any]:
        """Typing in a dispatching input, or choosing in a select, inside a modal."""
        view = self._view(str(body.get("view_id")))
        if view is None:
            return {"status": 404}
        person = self._person(body["user"])
        payload = view_action(
            person.id,
            person.name,
            view,
            str(body.get("action_id")),
            str(body.get("block_id")),
            dict(body.get("answers") or {}),
            str(body.get("value") or ""),
        )
        return {"status": post_signed(self.events_url, self.secret, payload).status_code}

    def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        """Submit a modal; Squeaky's answer may keep it open with errors."""
        view = self._view(str(body.get("view_id")))
        if view is None:
            return {"status": 404}
        person = self._person(body["user"])
        payload = view_submission(person.id, person.name, view, dict(body.get("answers") or {}))
        response = post_signed(self.events_url, self.secret, payload)
        answer = response.json() if response.text else {}
        if response.status_code == 200 and answer.get("response_action") != "errors":
            with self._lock:
                self._seen.closed_views.add(view["id"])
        return {"status": response.status_code, "answer": answer}

    def close(self, body: dict[str, Any]) -> dict[str, Any]:
        """Close a modal without submitting it."""
        with self._lock:
            self._seen.closed_views.add(str(body.get("view_id")))
        return {"status": 200}

    def command(self, body: dict[str, Any]) -> dict[str, Any]:
        """A slash command typed in the message box: `/squeaky stats 7d`."""
        person = self._person(body["user"])
        words = str(body.get("text") or "").strip()
        name, _, text = words.partition(" ")
        if not words:
            return {"status": 400, "error": "an empty message is not sent"}
        if not name.startswith("/"):  # a message, as anyone in the channel may write (Squeaky is not told of it)
            return {"status": 200, "posted": self.slack.say(self.channel, person.id, words)}
        if name not in COMMANDS:  # Slack's own answer, only to the person who typed it
            return self._slackbot(person.id, words, f"{name} is not a valid command. {NOT_A_COMMAND}")
        response_url = self.slack.response_url()
        with self._lock:
            self._seen.response_paths[urlsplit(response_url).path] = person.id
        fields = slash_command(person.id, person.name, _mentions(text, self.people), self.channel, response_url, name)
        response = post_command(self.events_url, self.secret, fields)
        answer = response.json() if response.text else {}
        if answer:
            with self._lock:
                self._seen.answers.append({"user": person.id, "command": words, "body": answer})
        return {"status": response.status_code, "answer": answer}

    def _slackbot(self, user: str, typed: str, text: str) -> dict[str, Any]:
        with self._lock:
            self._seen.answers.append({"user": user, "command": typed, "body": {"text": text}, "from": "Slackbot"})
        return {"status": 200, "answer": {"text": text}}

    def dismiss(self, body: dict[str, Any]) -> dict[str, Any]:
        """Dismiss a message only you can see (Slack's Dismiss message)."""
        with self._lock:
            self._seen.dismissed.add((body["user"], str(body.get("key"))))
        return {"status": 200}

    def reloaded(self, body: dict[str, Any]) -> dict[str, Any]:
        """The page was loaded again: as in Slack and Teams, a modal or dialog left open is gone."""
        with self.slack.lock:
            mine = [str(v["id"]) for v in self.slack.views if v.get("opened_for") == body["user"]]
        with self._lock:
            self._seen.closed_views.update(mine)
        if self.teams is not None:
            self.teams.close_dialog(body["user"])
        return {"status": 200}

    def open_home(self, body: dict[str, Any]) -> dict[str, Any]:
        """Open the app's Home tab: the app_home_opened event Slack would send."""
        event = {"type": "app_home_opened", "user": body["user"], "channel": "D" + body["user"][1:], "tab": "home"}
        return {"status": post_event(self.events_url, self.secret, event).status_code}


def _post(post_id: str, author: str, text: str, note: str | None = None) -> dict[str, Any]:
    shown: dict[str, Any] = {"id": post_id, "author": author, "text": text, "replies": []}
    if note:
        shown["note"] = note
    return shown


def _threads(posts: list[dict[str, Any]], parents: dict[str, str | None]) -> list[dict[str, Any]]:
    """Posts (oldest first) as threads, newest thread first."""
    by_id = {p["id"]: p for p in posts}
    roots: list[dict[str, Any]] = []
    for post in posts:
        parent = parents.get(post["id"])
        (by_id[parent]["replies"] if parent in by_id else roots).append(post)
    return roots[::-1]


def _mentions(text: str, people: tuple[Person, ...]) -> str:
    """Slack escapes @name in a command's text as <@U…|name> (should_escape): do the same for the sandbox's people."""
    words = []
    for word in text.split(" "):
        person = next((p for p in people if word.lower() == f"@{p.name}"), None)
        words.append(f"<@{person.id}|{person.name}>" if person else word)
    return " ".join(words)
