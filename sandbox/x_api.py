"""A local X API v2: user lookup, mentions, recent search, posting and direct messages (sandbox.x_dms), shaped on
X's real responses."""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from twitter_text import extract_urls_with_indices, parse_tweet

from sandbox.server import LocalServer, Request, Response
from sandbox.x_dms import XDirectMessages

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{1,15})")
_WINDOW_SECONDS = 15 * 60
# Requests per 15-minute window, per endpoint, as X documents them for an app.
LIMITS = {"mentions": 450, "search": 450, "users": 300, "post": 100, "timeline": 900, "dm": 200, "dm_read": 300}
_DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
_TOO_LONG = "Your Tweet text is too long. For more information on how Twitter determines text length see https://github.com/twitter/twitter-text."
_NOT_MENTIONED = (
    "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged "
    "by the author of the post you are replying to."
)


@dataclass
class _Window:
    started: float
    used: int = 0


class LocalX(LocalServer):
    """An X API v2 stand-in holding users and tweets in memory; what Squeaky posts is kept in `posted`."""

    def __init__(self, bearer_token: str = "x-local-bearer-token", brand: str = "SqueakyAir") -> None:
        super().__init__()
        self.bearer_token = bearer_token
        self.brand = brand
        self.users: dict[str, dict[str, Any]] = {}
        self.tweets: dict[str, dict[str, Any]] = {}
        self.posted: list[dict[str, Any]] = []
        self._ids = itertools.count(1_800_000_000_000_000_000)
        self._windows: dict[str, _Window] = {}
        self.page_cap: int | None = None  # X may answer fewer posts than max_results a page: set to cap every page
        self.brand_id = self.add_user(self.brand, f"{self.brand} Care")
        self.dms = XDirectMessages(self.brand_id)

    # -- test helpers -----------------------------------------------------

    def add_user(self, username: str, name: str | None = None) -> str:
        """Create an account; return its id."""
        with self.lock:
            for user in self.users.values():
                if user["username"].lower() == username.lower():
                    return str(user["id"])
            user_id = str(len(self.users) + 1_000_001)
            self.users[user_id] = {"id": user_id, "username": username, "name": name or username}
            return user_id

    def add_tweet(
        self, username: str, text: str, *, in_reply_to: str | None = None, created_at: datetime | None = None
    ) -> dict[str, Any]:
        """Post a tweet as `username` (the account is created if needed); return it in v2 shape."""
        author_id = self.add_user(username)
        stored, links = as_x_stores(text)
        with self.lock:
            tweet_id = str(next(self._ids))
            parent = self.tweets.get(in_reply_to or "")
            tweet: dict[str, Any] = {
                "id": tweet_id,
                "text": stored,
                "edit_history_tweet_ids": [tweet_id],
                "author_id": author_id,
                "created_at": (created_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "conversation_id": parent["conversation_id"] if parent else tweet_id,
                "lang": "en",
            }
            entities: dict[str, Any] = {}
            mentions = [{"start": m.start(), "end": m.end(), "username": m.group(1)} for m in _MENTION.finditer(stored)]
            if mentions:
                entities["mentions"] = mentions
            if links:
                entities["urls"] = links
            if entities:
                tweet["entities"] = entities
            if parent:
                tweet["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
                tweet["in_reply_to_user_id"] = parent["author_id"]
            self.tweets[tweet_id] = tweet
            return tweet

    def rate_limit_next(self, route: str, reset_in: int = 2, count: int = 1) -> None:
        """Answer the next `count` requests to `route` ("mentions", "search", "users", "post") with 429."""
        reset = str(int(time.time()) + reset_in)
        headers = {"x-rate-limit-limit": str(LIMITS[route]), "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}
        body = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
        self.fail_next(route, 429, body, headers, count)

    def spend(self, route: str, used: int, reset_in: float) -> None:
        """Count `used` requests to `route` in a window that resets in `reset_in` seconds, as if spent earlier (by
        this app before a restart, or by another of its processes)."""
        with self.lock:
            self._windows[route] = _Window(started=time.time() - (_WINDOW_SECONDS - reset_in), used=used)

    # -- the API ------------------------------------------------------------

    def route_of(self, request: Request) -> str:
        """Failures and rate limits are kept per endpoint family."""
        if request.method == "POST" and request.path == "/2/tweets":
            return "post"
        if request.path.startswith(("/2/dm_conversations", "/2/dm_events")):
            return "dm" if request.method == "POST" else "dm_read"
        if request.path.endswith("/mentions"):
            return "mentions"
        if request.path.startswith("/2/tweets/search"):
            return "search"
        if request.path.endswith("/tweets"):
            return "timeline"
        return "users"

    def handle(self, request: Request) -> Response:
        """Authenticate, count against the endpoint's window, answer."""
        route = self.route_of(request)
        auth = request.headers.get("authorization", "")
        if route in ("post", "timeline", "dm", "dm_read"):
            if not auth.startswith("OAuth ") and auth != f"Bearer {self.bearer_token}":
                return _problem(403, "Forbidden", "This needs user context (OAuth 1.0a or OAuth 2.0 user token).")
        elif auth != f"Bearer {self.bearer_token}":
            return _problem(401, "Unauthorized", "Unauthorized")
        headers, exhausted = self._count(route)
        if exhausted:
            return Response(
                429,
                {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
                headers,
            )
        with self.lock:
            response = self._answer(route, request)
        response.headers.update(headers)
        return response

    def _count(self, route: str) -> tuple[dict[str, str], bool]:
        now = time.time()
        with self.lock:
            window = self._windows.get(route)
            if window is None or now - window.started >= _WINDOW_SECONDS:
                window = self._windows[route] = _Window(started=now)
            window.used += 1
            limit = LIMITS[route]
            headers = {
                "x-rate-limit-limit": str(limit),
                "x-rate-limit-remaining": str(max(0, limit - window.used)),
                "x-rate-limit-reset": str(int(window.started + _WINDOW_SECONDS)),
            }
            return headers, window.used > limit

    def _answer(self, route: str, request: Request) -> Response:
        if route == "post":
            return self._post(request)
        if route in ("dm", "dm_read"):
            return self.dms.answer(request, self.users)
        if route == "timeline":
            of_user = re.fullmatch(r"/2/users/(\d+)/tweets", request.path)
            if of_user is None or of_user.group(1) not in self.users:
                return _problem(404, "Not Found Error", f"no user for {request.path}")
            return self._page([t for t in self.tweets.values() if t["author_id"] == of_user.group(1)], request)
        if route == "users":
            match = re.fullmatch(r"/2/users/by/username/(\w{1,15})", request.path)
            if match is None:
                return _problem(404, "Not Found Error", f"no route {request.path}")
            for user in self.users.values():
                if user["username"].lower() == match.group(1).lower():
                    return Response(200, {"data": dict(user)})
            return Response(
                200,
                {
                    "errors": [
                        {
                            "value": match.group(1),
                            "detail": f"Could not find user with username: [{match.group(1)}].",
                            "title": "Not Found Error",
                            "resource_type": "user",
                            "parameter": "username",
                            "resource_id": match.group(1),
                            "type": "https://api.twitter.com/2/problems/resource-not-found",
                        }
                    ]
                },
            )
        if route == "mentions":
            mentions_of = re.fullmatch(r"/2/users/(\d+)/mentions", request.path)
            account = self.users.get(mentions_of.group(1)) if mentions_of else None
            if account is None:
                return _problem(404, "Not Found Error", f"no user for {request.path}")
            name = account["username"].lower()
            found = [t for t in self.tweets.values() if name in {m["username"].lower() for m in _mentions(t)}]
            return self._page(found, request)
        query = request.query.get("query", "")
        if not query.strip():
            return _problem(400, "Invalid Request", "The `query` query parameter can not be empty")
        terms = [t.lower() for t in query.split() if not t.startswith("-")]
        found = [t for t in self.tweets.values() if all(term in t["text"].lower() for term in terms)]
        return self._page(found, request)

    def _page(self, tweets: list[dict[str, Any]], request: Request) -> Response:
        q = request.query
        try:
            max_results = int(q.get("max_results", "10"))
        except ValueError:
            max_results = 0
        if not 5 <= max_results <= 100:
            return _problem(400, "Invalid Request", "The `max_results` query parameter value is not between 5 and 100")
        since = int(q["since_id"]) if q.get("since_id", "").isdigit() else None
        until = _decode_token(q.get("pagination_token"))
        if q.get("until_id", "").isdigit():
            until = min(until or int(q["until_id"]), int(q["until_id"]))
        # X: "since_id takes precedence over start_time" when a request gives both
        start = q.get("start_time") if since is None else None
        chosen = sorted(tweets, key=lambda t: int(t["id"]), reverse=True)
        chosen = [
            t
            for t in chosen
            if (since is None or int(t["id"]) > since)
            and (until is None or int(t["id"]) < until)
            and (start is None or _when(t["created_at"]) >= _when(start))
        ]
        per_page = min(max_results, self.page_cap or max_results)
        page, rest = chosen[:per_page], chosen[per_page:]
        fields = set(filter(None, q.get("tweet.fields", "").split(",")))
        body: dict[str, Any] = {"meta": {"result_count": len(page)}}
        if page:
            body["data"] = [_shape(t, fields) for t in page]
            body["meta"].update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
            if rest:
                body["meta"]["next_token"] = _encode_token(int(page[-1]["id"]))
            expansions = set(filter(None, q.get("expansions", "").split(",")))
            if "author_id" in expansions:
                user_fields = set(filter(None, q.get("user.fields", "").split(",")))
                authors = dict.fromkeys(t["author_id"] for t in page)
                body["includes"] = {"users": [_user(self.users[a], user_fields) for a in authors if a in self.users]}
        return Response(200, body)

    def _post(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            return _problem(400, "Invalid Request", "One or more parameters to your request was invalid.")
        text = body["text"]
        if not parse_tweet(text).valid:
            return _problem(400, "Invalid Request", _TOO_LONG)
        stored, _links = as_x_stores(text)
        if any(t["author_id"] == self.brand_id and t["text"] == stored for t in self.tweets.values()):
            return _problem(403, "Forbidden", _DUPLICATE)
        reply_to = (
            ((body.get("reply") or {}).get("in_reply_to_tweet_id")) if isinstance(body.get("reply"), dict) else None
        )
        if reply_to is not None:
            parent = self.tweets.get(str(reply_to))
            if parent is None:
                return _problem(
                    403, "Forbidden", "You attempted to reply to a Tweet that is deleted or not visible to you."
                )
            if self.brand.lower() not in {m["username"].lower() for m in _mentions(parent)}:
                return _problem(403, "Forbidden", _NOT_MENTIONED)
        tweet = self.add_tweet(self.brand, text, in_reply_to=str(reply_to) if reply_to else None)
        self.posted.append(tweet)
        data = {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}
        return Response(201, {"data": data})


def as_x_stores(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The text as X keeps and returns it: each link wrapped as a 23-character t.co link, then `&<>` escaped;
    with the `entities.urls` that say where each link points."""
    out: list[str] = []
    links: list[dict[str, Any]] = []
    last = 0
    for found in extract_urls_with_indices(text):
        start, end = found["indices"]
        out.append(_escape(text[last:start]))
        position = sum(len(part) for part in out)
        expanded = found["url"] if "://" in found["url"] else f"http://{found['url']}"
        short = "https://t.co/" + hashlib.sha256(expanded.encode()).hexdigest()[:10]
        display = expanded.split("://", 1)[1]
        links.append(
            {
                "start": position,
                "end": position + len(short),
                "url": short,
                "expanded_url": expanded,
                "display_url": display if len(display) <= 26 else display[:25] + "…",
            }
        )
        out.append(short)
        last = end
    out.append(_escape(text[last:]))
    return "".join(out), links


def as_people_see(tweet: dict[str, Any]) -> str:
    """The text as x.com shows it to a reader: entities unescaped, each t.co link as its display address."""
    text = html.unescape(tweet["text"])
    for link in (tweet.get("entities") or {}).get("urls") or []:
        text = text.replace(link["url"], link["display_url"])
    return text


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mentions(tweet: dict[str, Any]) -> list[dict[str, Any]]:
    return list((tweet.get("entities") or {}).get("mentions") or [])


def _shape(tweet: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    shaped = {k: tweet[k] for k in ("id", "text", "edit_history_tweet_ids")}
    shaped.update({k: tweet[k] for k in fields if k in tweet})
    return shaped


def _user(user: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    return {k: v for k, v in user.items() if k in {"id", "name", "username"} | fields}


def _encode_token(until_id: int) -> str:
    return base64.urlsafe_b64encode(f"until:{until_id}".encode()).decode().rstrip("=")


def _decode_token(token: str | None) -> int | None:
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        return int(raw.removeprefix("until:"))
    except ValueError:
        return None


def _problem(status: int, title: str, detail: str) -> Response:
    return Response(status, {"title": title, "detail": detail, "type": "about:blank", "status": status})
