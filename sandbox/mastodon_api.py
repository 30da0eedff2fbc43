"""A local Mastodon instance: the REST methods Squeaky calls, shaped on Mastodon's documented answers.

Statuses come as HTML (mentions and links as anchors, text escaped); lists page newest first
with `max_id`/`since_id`/`min_id` and say where the next page is in a Link header; a status
is counted the way Mastodon's validator counts (graphemes, a link as 23, `@user@host` as
`@user`, 500 at most); an Idempotency-Key gives the same status back for an hour; every
answer carries X-RateLimit-* headers (the reset as an ISO 8601 time), and 429s and 5xx can be
queued per route. As since 4.3, the brand's notification policy filters private mentions from
accounts it does not follow (on by default): they come back only when asked for with
`include_filtered`, grouped (/api/v2/notifications) or not. An account's `url`, its profile's
web address, may be on another host than its handle's domain.
"""

from __future__ import annotations

import html
import itertools
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import regex

from sandbox.mastodon_groups import grouped
from sandbox.server import LocalServer, Request, Response

MAX_CHARACTERS = 500
RATE_LIMIT = 300  # requests per 5 minutes per token, Mastodon's default
_WINDOW = 300
_URL = regex.compile(r"(?<![\w/.])https?://[^\s<>\"]+", regex.IGNORECASE)
_MENTION = re.compile(r"(?<![\w/@])@(\w+)(?:@([\w.-]+\w))?")


def status_length(text: str) -> int:
    """The length Mastodon's StatusLengthValidator counts."""
    countable = _URL.sub("x" * 23, text)
    countable = _MENTION.sub(lambda m: f"@{m.group(1)}", countable)
    return len(regex.findall(r"\X", countable))


class LocalMastodon(LocalServer):
    """A Mastodon instance stand-in with the brand's account; what Squeaky posts is kept in `posted`."""

    def __init__(
        self, host: str = "mastodon.local", brand: str = "squeakyair", token: str = "mastodon-local-token"
    ) -> None:
        super().__init__()
        self.host = host
        self.brand = brand
        self.token = token
        self.max_characters = MAX_CHARACTERS
        self.accounts: dict[str, dict[str, Any]] = {}
        self.statuses: dict[str, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []
        self.posted: list[dict[str, Any]] = []
        self.version = "4.3.0"  # below 4.3 there is no notification policy, and no /api/v2/notifications
        self.filter_private_mentions = True  # the notification policy's default since 4.3
        self.following: set[str] = set()  # ids of the accounts the brand follows
        self.notifications_most = 80  # the most a notifications page holds, whatever was asked (instances vary)
        self._idempotent: dict[str, tuple[float, str]] = {}
        self._ids = itertools.count(int(time.time() * 1000) << 16, 7)
        self._window = (time.time(), 0)
        self.brand_id = self.add_account(brand, "Squeaky Air Care")

    # -- test helpers -----------------------------------------------------

    def add_account(self, acct: str, display_name: str | None = None, *, url: str | None = None) -> str:
        """Create an account (`user` on this instance, `user@host` elsewhere; `url`: its profile's address when not
        https://<host>/@user, as where a server's web address differs from its handle's domain); return its id."""
        with self.lock:
            for account in self.accounts.values():
                if account["acct"].lower() == acct.lower():
                    return str(account["id"])
            account_id = str(100_000 + len(self.accounts))
            username, _, host = acct.partition("@")
            self.accounts[account_id] = {
                "id": account_id, "username": username, "acct": acct, "display_name": display_name or username,
                "url": url or f"https://{host or self.host}/@{username}", "followers_count": 10, "following_count": 3,
                "statuses_count": 1, "locked": False, "bot": False, "note": "", "created_at": _stamp(),
            }  # fmt: skip
            return account_id

    def add_status(
        self, acct: str, text: str, *, visibility: str = "public", in_reply_to: str | None = None,
        content: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Post `text` as `acct` (HTML made from it as Mastodon does, or `content` as given); return the status."""
        account_id = self.add_account(acct)
        with self.lock:
            return self._store(account_id, text, visibility, in_reply_to, content)

    def federate(self, status: dict[str, Any], host: str) -> dict[str, Any]:
        """This instance's copy of a status from the instance `host` (as a follow or a lookup brings it): an id of
        this instance's own, the same address."""
        acct = (
            f"{status['account']['acct']}@{host}" if "@" not in status["account"]["acct"] else status["account"]["acct"]
        )
        copy = self.add_status(acct, status["text"], visibility=status["visibility"], content=status["content"])
        with self.lock:
            copy.update(url=status["url"], uri=status["uri"])
        return copy

    def rate_limit_next(self, route: str, reset_in: int = 2, count: int = 1) -> None:
        """Answer the next `count` requests to `route` with 429 and the instance's reset time."""
        reset = (datetime.now(UTC) + timedelta(seconds=reset_in)).isoformat(timespec="milliseconds")
        headers = {"X-RateLimit-Limit": str(RATE_LIMIT), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
        self.fail_next(route, 429, {"error": "Too many requests"}, headers, count)

    # -- the API ------------------------------------------------------------

    def route_of(self, request: Request) -> str:
        """Failures are queued per route: notifications, tag, search, post, context, instance, me."""
        path = request.path
        if path == "/api/v1/statuses" and request.method == "POST":
            return "post"
        if path.startswith(("/api/v1/notifications", "/api/v2/notifications")):
            return "notifications"
        if path.startswith("/api/v1/timelines/tag/"):
            return "tag"
        if path.startswith("/api/v2/search"):
            return "search"
        if path.endswith("/context"):
            return "context"
        if path.endswith("/instance"):
            return "instance"
        return "me"

    def handle(self, request: Request) -> Response:
        """Authenticate, count against the window, answer."""
        headers = self._count()
        route = self.route_of(request)
        if request.path in ("/api/v1/instance", "/api/v2/instance"):  # public, as on every instance
            response = Response(200, self._instance(request.path))
            response.headers.update(headers)
            return response
        public = route == "tag" and "authorization" not in request.headers  # hashtag timelines are public to read
        if not public and request.headers.get("authorization") != f"Bearer {self.token}":
            response = Response(401, {"error": "The access token is invalid"})
        else:
            with self.lock:
                response = self._answer(route, request)
        response.headers.update(headers)
        return response

    def _instance(self, path: str) -> dict[str, Any]:
        statuses = {"max_characters": self.max_characters, "characters_reserved_per_url": 23}
        if path.endswith("/v1/instance"):
            return {
                "uri": self.host,
                "title": "Local Mastodon",
                "version": self.version,
                "configuration": {"statuses": statuses},
            }
        return {"domain": self.host, "title": "Local Mastodon", "version": self.version,
                "api_versions": {"mastodon": 2}, "configuration": {"statuses": statuses}}  # fmt: skip

    def _count(self) -> dict[str, str]:
        now = time.time()
        with self.lock:
            started, used = self._window
            if now - started >= _WINDOW:
                started, used = now, 0
            self._window = (started, used + 1)
        reset = datetime.fromtimestamp(started + _WINDOW, UTC).isoformat(timespec="milliseconds")
        remaining = str(max(0, RATE_LIMIT - used - 1))
        return {"X-RateLimit-Limit": str(RATE_LIMIT), "X-RateLimit-Remaining": remaining, "X-RateLimit-Reset": reset}

    def _answer(self, route: str, request: Request) -> Response:
        q = request.query
        if route == "me":
            if request.path != "/api/v1/accounts/verify_credentials":
                return Response(404, {"error": "Record not found"})
            return Response(200, dict(self.accounts[self.brand_id]))
        if route == "notifications":
            wanted, filtered = q.get("types[]"), q.get("include_filtered", "").lower() in ("1", "true")
            found = [
                {k: v for k, v in n.items() if k != "filtered"}
                for n in self.notifications
                if (wanted is None or n["type"] == wanted) and (filtered or not n["filtered"])
            ]
            page = self._page(request, found, default=40, most=self.notifications_most)
            if not request.path.startswith("/api/v2/"):
                return page
            return grouped(page) if self.version >= "4.3" else Response(404, {"error": "Not Found"})
        if route == "tag":
            tag = request.path.rsplit("/", 1)[1].lower()
            found = [
                s for s in self.statuses.values() if f"#{tag}" in s["text"].lower() and s["visibility"] == "public"
            ]
            return self._page(request, [self._view(s) for s in found], default=20, most=40)
        if route == "search":
            if q.get("q", "").startswith("https://"):  # a post's address: this instance's copy of it, if it has one
                known = [self._view(s) for s in self.statuses.values() if q["q"] in (s["url"], s["uri"])]
                return Response(200, {"accounts": [], "statuses": known, "hashtags": []})
            terms = [t.lower() for t in q.get("q", "").split()]
            if not terms:
                return Response(200, {"accounts": [], "statuses": [], "hashtags": []})
            found = [
                self._view(s)
                for s in self.statuses.values()
                if all(t in s["text"].lower() for t in terms) and s["visibility"] in ("public", "unlisted")
            ]
            page = self._page(request, found, default=20, most=40)
            page.body = {"accounts": [], "statuses": page.body, "hashtags": []}
            return page
        if route == "context":
            status_id = request.path.split("/")[-2]
            if status_id not in self.statuses:
                return Response(404, {"error": "Record not found"})
            below = self._descendants(status_id)
            return Response(200, {"ancestors": [], "descendants": [self._view(s) for s in below]})
        return self._post(request)

    def _descendants(self, status_id: str) -> list[dict[str, Any]]:
        found, frontier = [], [status_id]
        while frontier:
            children = [s for s in self.statuses.values() if s["in_reply_to_id"] in frontier]
            found += children
            frontier = [s["id"] for s in children]
        return sorted(found, key=lambda s: int(s["id"]))

    def _post(self, request: Request) -> Response:
        form = request.json() if request.headers.get("content-type", "").startswith("application/json") else None
        if form is None:
            form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        key = request.headers.get("idempotency-key")
        if key and key in self._idempotent and time.time() - self._idempotent[key][0] < 3600:
            return Response(200, self._view(self.statuses[self._idempotent[key][1]]))
        text = str(form.get("status") or "")
        if not text.strip():
            return Response(422, {"error": "Validation failed: Text can't be blank"})
        if status_length(text) > self.max_characters:
            return Response(
                422, {"error": f"Validation failed: Text character limit of {self.max_characters} exceeded"}
            )
        parent = form.get("in_reply_to_id")
        if parent and str(parent) not in self.statuses:
            return Response(404, {"error": "Record not found"})
        visibility = str(form.get("visibility") or "public")
        if visibility not in ("public", "unlisted", "private", "direct"):
            return Response(422, {"error": "Validation failed: Visibility is not included in the list"})
        status = self._store(self.brand_id, text, visibility, str(parent) if parent else None, None)
        if key:
            self._idempotent[key] = (time.time(), status["id"])
        self.posted.append(status)
        return Response(200, self._view(status))

    def _page(self, request: Request, items: list[dict[str, Any]], *, default: int, most: int) -> Response:
        q = request.query
        raw = q.get("limit", str(default))
        limit = min(int(raw), most) if raw.isdigit() and int(raw) > 0 else default
        ordered = sorted(items, key=lambda item: int(item["id"]), reverse=True)
        if q.get("max_id", "").isdigit():
            ordered = [i for i in ordered if int(i["id"]) < int(q["max_id"])]
        if q.get("since_id", "").isdigit():
            ordered = [i for i in ordered if int(i["id"]) > int(q["since_id"])]
        if q.get("min_id", "").isdigit():  # the page just above min_id, still newest first
            ordered = [i for i in ordered if int(i["id"]) > int(q["min_id"])][-limit:]
        page = ordered[:limit]
        headers = {}
        if page:
            base = f"{self.url}{request.path}"
            links = [f'<{base}?max_id={page[-1]["id"]}>; rel="next"', f'<{base}?min_id={page[0]["id"]}>; rel="prev"']
            headers["Link"] = ", ".join(links)
        return Response(200, page, headers)

    def _store(
        self, account_id: str, text: str, visibility: str, in_reply_to: str | None, content: str | None
    ) -> dict[str, Any]:
        status_id = str(next(self._ids))
        account = self.accounts[account_id]
        mentions = []
        for match in _MENTION.finditer(text):
            acct = match.group(1) if not match.group(2) or match.group(2) == self.host else match.group(0)[1:]
            mentioned = next((a for a in self.accounts.values() if a["acct"].lower() == acct.lower()), None)
            if mentioned is not None:
                mentions.append({k: mentioned[k] for k in ("id", "username", "acct", "url")})
        parent = self.statuses.get(in_reply_to or "")
        status = {
            "id": status_id, "uri": f"https://{self.host}/users/{account['username']}/statuses/{status_id}",
            "url": f"https://{self.host}/@{account['username']}/{status_id}", "created_at": _stamp(),
            "account": dict(account), "content": content if content is not None else _as_html(text, mentions),
            "text": text, "visibility": visibility, "sensitive": False, "spoiler_text": "",
            "in_reply_to_id": in_reply_to, "in_reply_to_account_id": parent["account"]["id"] if parent else None,
            "mentions": mentions, "tags": [], "emojis": [], "media_attachments": [], "reblog": None,
            "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "language": "en",
        }  # fmt: skip
        self.statuses[status_id] = status
        to_brand = any(m["id"] == self.brand_id for m in mentions) or (
            parent and parent["account"]["id"] == self.brand_id
        )
        if to_brand and account_id != self.brand_id:
            self.notifications.append({
                "id": str(next(self._ids)), "type": "mention", "created_at": status["created_at"],
                "account": dict(account), "status": status, "filtered": self._filtered(account_id, status, parent),
            })  # fmt: skip
        return status

    def _filtered(self, account_id: str, status: dict[str, Any], parent: dict[str, Any] | None) -> bool:
        """The policy's private-mention filter: a direct mention from an account the brand does not follow, unless
        it answers a direct mention of theirs by the brand."""
        answers_us = (
            parent is not None
            and parent["account"]["id"] == self.brand_id
            and (any(m["id"] == account_id for m in parent["mentions"]))
        )
        private = status["visibility"] == "direct"
        policy = self.version >= "4.3" and self.filter_private_mentions  # no policy before 4.3
        return policy and private and account_id not in self.following and not answers_us

    def _view(self, status: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in status.items() if k != "text"}


def _as_html(text: str, mentions: list[dict[str, Any]]) -> str:
    """The text as Mastodon renders it: escaped, links and known mentions as anchors, paragraphs as <p>."""
    by_acct = {m["acct"].lower(): m for m in mentions}

    def linked(escaped: str) -> str:
        def link(match: re.Match[str]) -> str:
            url = html.unescape(match.group(0))
            scheme, _, rest = url.partition("://")
            shown, hidden = rest[:30], rest[30:]
            return (
                f'<a href="{html.escape(url)}" rel="nofollow noopener" target="_blank">'
                f'<span class="invisible">{scheme}://</span><span class="{"ellipsis" if hidden else ""}">'
                f'{html.escape(shown)}</span><span class="invisible">{html.escape(hidden)}</span></a>'
            )

        escaped = re.sub(r"https?://[^\s<]+", link, escaped)

        def mention(match: re.Match[str]) -> str:
            found = by_acct.get(match.group(0)[1:].lower())
            if found is None:
                return match.group(0)
            return (
                f'<span class="h-card"><a href="{found["url"]}" class="u-url mention">'
                f"@<span>{found['username']}</span></a></span>"
            )

        return re.sub(r"(?<![\w/@])@\w+(?:@[\w.-]+\w)?", mention, escaped)

    paragraphs = text.split("\n\n")
    return "".join(f"<p>{linked(html.escape(p, quote=False)).replace(chr(10), '<br />')}</p>" for p in paragraphs)


def _stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
