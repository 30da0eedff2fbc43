"""A local Bluesky: the XRPC methods Squeaky calls on a PDS (and the AppView behind it), shaped on their documented
answers.

Sessions are real JWTs that expire, early too where the PDS decides so (sandbox.bluesky_sessions);
a handle that no longer verifies shows as `handle.invalid`; notifications and searches page
newest first by cursor; a post is counted in graphemes (300 at most); a reply must name its
root and parent by URI and CID; a post's record key must be a TID, and creating one that
already exists fails with a 500, as the PDS does today. Every answer carries the PDS's
`ratelimit-*` headers, and 429s and 5xx can be queued per method. Chat goes to the chat service behind it
(sandbox.bluesky_chat).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import regex

from sandbox.bluesky_chat import BlueskyChat
from sandbox.bluesky_sessions import PdsSessions
from sandbox.bluesky_sessions import error as _error
from sandbox.server import LocalServer, Request, Response

MAX_GRAPHEMES = 300
_TID = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}\Z")
_MENTION = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9.-]*\.[a-z]{2,})", re.IGNORECASE)
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
RATE_LIMIT = 3000  # requests per 5 minutes, per account, as the PDS documents
_WINDOW = 300
INVALID_HANDLE = "handle.invalid"  # what the AppView shows for a handle that no longer verifies


def graphemes(text: str) -> int:
    """Graphemes as Bluesky counts them (Unicode's extended grapheme clusters)."""
    return len(regex.findall(r"\X", text))


class LocalBluesky(LocalServer):
    """A Bluesky PDS and AppView stand-in: accounts, posts, notifications; what Squeaky posts is kept in `posted`."""

    def __init__(self, brand: str = "squeakyair.bsky.social", app_password: str = "abcd-efgh-ijkl-mnop") -> None:
        super().__init__()
        self.brand = brand
        self.app_password = app_password
        self.accounts: dict[str, dict[str, Any]] = {}  # by DID
        self.posts: dict[str, dict[str, Any]] = {}  # by URI
        self.posted: list[dict[str, Any]] = []
        self.tokens = PdsSessions()  # createSession and refreshSession, and the tokens they give
        self._clock = itertools.count(int(time.time() * 1_000_000))
        self._window = (time.time(), 0)
        self.brand_did = self.add_account(brand, "Squeaky Air Care")
        self.chat = BlueskyChat(self.brand_did, lambda: self.accounts)

    # -- test helpers -----------------------------------------------------

    def add_account(self, handle: str, display_name: str | None = None) -> str:
        """Create an account; return its DID."""
        with self.lock:
            for did, account in self.accounts.items():
                if account["handle"] == handle:
                    return did
            did = "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]
            self.accounts[did] = {"did": did, "handle": handle, "displayName": display_name or handle}
            return did

    def add_post(
        self, handle: str, text: str, *, reply_to: str | None = None, facets: list[dict[str, Any]] | None = None,
        reply_gate: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        """Post as `handle` (the account is created if needed), optionally as a reply; return the post view."""
        did = self.add_account(handle)
        with self.lock:
            record: dict[str, Any] = {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": _stamp(),
                "langs": ["en"],
            }
            if facets is None:
                facets = self._mention_facets(text)
            if facets:
                record["facets"] = facets
            if reply_to is not None:
                parent = self.posts[reply_to]
                root = parent["record"].get("reply", {}).get("root") or {"uri": parent["uri"], "cid": parent["cid"]}
                record["reply"] = {"root": root, "parent": {"uri": parent["uri"], "cid": parent["cid"]}}
            return self._store(did, self._tid(), record, reply_gate=reply_gate)

    @property
    def sessions(self) -> int:
        """createSession calls so far (the PDS allows 30 per 5 minutes)."""
        return self.tokens.created

    def expire_sessions(self) -> None:
        """End every access token given so far, before its time, as the PDS may: their next use is 400 ExpiredToken."""
        self.tokens.expire_all()

    def invalidate_handle(self, handle: str) -> str:
        """The account's handle no longer verifies (its DNS or well-known record is gone): every view shows it as
        `handle.invalid`, as the AppView does; return its DID, which still names it."""
        did = self.add_account(handle)
        with self.lock:
            self.accounts[did]["handle"] = INVALID_HANDLE
            for post in self.posts.values():
                if post["author"]["did"] == did:
                    post["author"]["handle"] = INVALID_HANDLE
        return did

    def rate_limit_next(self, method: str, reset_in: int = 2, count: int = 1) -> None:
        """Answer the next `count` calls of `method` (an NSID) with 429 and the PDS's reset header."""
        headers = _limit_headers(0, int(time.time()) + reset_in)
        self.fail_next(method, 429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, headers, count)

    def replies_to(self, uri: str) -> list[dict[str, Any]]:
        """The posts that reply directly to `uri`, oldest first."""
        with self.lock:
            found = [p for p in self.posts.values() if _parent(p) == uri]
            return sorted(found, key=lambda p: p["indexedAt"])

    # -- the API ------------------------------------------------------------

    def route_of(self, request: Request) -> str:
        """Failures are queued per XRPC method (its NSID)."""
        return request.path.removeprefix("/xrpc/")

    def handle(self, request: Request) -> Response:
        """Authenticate, count against the window, answer."""
        method = self.route_of(request)
        headers = self._count()
        if method == "com.atproto.server.createSession":
            response = self._create_session(request)
        elif method == "com.atproto.server.refreshSession":
            response = self._refresh(request)
        else:
            problem, _claims = self.tokens.check(request, refresh=False)
            if problem is not None:
                response = problem
            else:
                with self.lock:
                    response = self._answer(method, request)
        response.headers.update(headers)
        return response

    def _count(self) -> dict[str, str]:
        now = time.time()
        with self.lock:
            started, used = self._window
            if now - started >= _WINDOW:
                started, used = now, 0
            self._window = (started, used + 1)
        return _limit_headers(max(0, RATE_LIMIT - used - 1), int(started + _WINDOW))

    def _create_session(self, request: Request) -> Response:
        body = request.json() or {}
        self.tokens.created += 1
        identifier, password = str(body.get("identifier", "")), str(body.get("password", ""))
        did = next((d for d, a in self.accounts.items() if identifier in (a["handle"], d)), None)
        if did is None or did != self.brand_did or password != self.app_password:
            return _error(401, "AuthenticationRequired", "Invalid identifier or password")
        account = self.accounts[did]
        return Response(200, {"did": did, "handle": account["handle"], **self.tokens.issue(did), "active": True})

    def _refresh(self, request: Request) -> Response:
        problem, _claims = self.tokens.check(request, refresh=True)
        if problem is not None:
            return problem
        self.tokens.refreshed += 1
        return Response(200, {"did": self.brand_did, "handle": self.brand, **self.tokens.issue(self.brand_did)})

    def _answer(self, method: str, request: Request) -> Response:
        q = request.query
        if method == "app.bsky.notification.listNotifications":
            return self._notifications(q)
        if method == "app.bsky.feed.searchPosts":
            return self._search(q)
        if method == "app.bsky.feed.getPostThread":
            return self._post_thread(q)
        if method == "com.atproto.repo.createRecord":
            return self._create_record(request.json())
        if method == "com.atproto.repo.getRecord":
            return self._get_record(q)
        if method.startswith("chat.bsky.convo."):
            return self.chat.answer(method, request)
        return _error(501, "MethodNotImplemented", f"Method Not Implemented: {method}")

    def _notifications(self, q: dict[str, str]) -> Response:
        limit = _limit(q)
        if limit is None:
            return _error(400, "InvalidRequest", "Error: limit must be an integer between 1 and 100")
        found = []
        for post in self.posts.values():
            reason = self._reason(post)
            if reason is not None and post["author"]["did"] != self.brand_did:
                found.append({
                    "uri": post["uri"], "cid": post["cid"], "author": post["author"], "reason": reason,
                    "record": post["record"], "isRead": False, "indexedAt": post["indexedAt"], "labels": [],
                })  # fmt: skip
        page, cursor = _paged(found, q.get("cursor"), limit)
        body: dict[str, Any] = {"notifications": page, "seenAt": _stamp()}
        if cursor:
            body["cursor"] = cursor
        return Response(200, body)

    def _reason(self, post: dict[str, Any]) -> str | None:
        record = post["record"]
        parent = record.get("reply", {}).get("parent", {}).get("uri")
        if parent and parent in self.posts and self.posts[parent]["author"]["did"] == self.brand_did:
            return "reply"
        for facet in record.get("facets") or []:
            for feature in facet.get("features") or []:
                if feature.get("did") == self.brand_did:
                    return "mention"
        return None

    def _search(self, q: dict[str, str]) -> Response:
        query = q.get("q", "").strip()
        limit = _limit(q)
        if not query or limit is None:
            return _error(400, "InvalidRequest", 'Error: Params must have the property "q"')
        terms = [t.lower() for t in query.split()]
        since = q.get("since")
        found = [
            self._view(p)
            for p in self.posts.values()
            if all(t in p["record"]["text"].lower() for t in terms) and (since is None or p["indexedAt"] >= since)
        ]
        page, cursor = _paged(found, q.get("cursor"), limit)
        body: dict[str, Any] = {"posts": page, "hitsTotal": len(found)}
        if cursor:
            body["cursor"] = cursor
        return Response(200, body)

    def _view(self, post: dict[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in post.items() if k != "gate"}
        view["replyCount"] = sum(1 for p in self.posts.values() if _parent(p) == post["uri"])
        view["viewer"] = {"replyDisabled": True} if post.get("gate") else {}
        return view

    def _post_thread(self, q: dict[str, str]) -> Response:
        post = self.posts.get(q.get("uri", ""))
        if post is None:
            return _error(400, "NotFound", f"Post not found: {q.get('uri')}")
        replies = [
            {"$type": "app.bsky.feed.defs#threadViewPost", "post": self._view(p), "replies": []}
            for p in self.posts.values()
            if _parent(p) == post["uri"]
        ]
        depth = int(q.get("depth", "6") or 6)
        thread = {
            "$type": "app.bsky.feed.defs#threadViewPost",
            "post": self._view(post),
            "replies": replies if depth else [],
        }
        return Response(200, {"thread": thread})

    def _create_record(self, body: Any) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get("record"), dict):
            return _error(400, "InvalidRequest", 'Input must have the property "record"')
        if body.get("repo") not in (self.brand_did, self.brand):
            return _error(400, "InvalidRequest", "Invalid repo: not the authenticated account")
        record, rkey = body["record"], body.get("rkey")
        if body.get("collection") != "app.bsky.feed.post":
            return _error(400, "InvalidRequest", "Invalid collection")
        text = record.get("text")
        if not isinstance(text, str):
            return _error(
                400, "InvalidRequest", 'Invalid app.bsky.feed.post record: Record must have the property "text"'
            )
        if graphemes(text) > MAX_GRAPHEMES:
            message = "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"
            return _error(400, "InvalidRequest", message)
        reply = record.get("reply")
        if reply is not None:
            for ref in ("root", "parent"):
                strong = reply.get(ref) if isinstance(reply, dict) else None
                if not isinstance(strong, dict) or not strong.get("uri") or not strong.get("cid"):
                    message = f'Invalid app.bsky.feed.post record: Record/reply/{ref} must have the property "cid"'
                    return _error(400, "InvalidRequest", message)
        if rkey is not None and not _TID.match(str(rkey)):
            return _error(400, "InvalidRequest", "Invalid rkey: post record keys must be TIDs")
        rkey = str(rkey) if rkey else self._tid()
        uri = f"at://{self.brand_did}/app.bsky.feed.post/{rkey}"
        if uri in self.posts:
            return _error(500, "InternalServerError", "Internal Server Error")  # the PDS today: no clearer answer
        stored = self._store(self.brand_did, rkey, record)
        self.posted.append(stored)
        return Response(200, {"uri": stored["uri"], "cid": stored["cid"], "validationStatus": "valid"})

    def _get_record(self, q: dict[str, str]) -> Response:
        repo = q.get("repo", "")
        did = (
            repo if repo.startswith("did:") else next((d for d, a in self.accounts.items() if a["handle"] == repo), "")
        )
        uri = f"at://{did}/{q.get('collection')}/{q.get('rkey')}"
        post = self.posts.get(uri)
        if post is None:
            return _error(400, "RecordNotFound", f"Could not locate record: {uri}")
        return Response(200, {"uri": uri, "cid": post["cid"], "value": post["record"]})

    def _store(self, did: str, rkey: str, record: dict[str, Any], *, reply_gate: bool = False) -> dict[str, Any]:
        uri = f"at://{did}/app.bsky.feed.post/{rkey}"
        cid = "bafyrei" + hashlib.sha256(f"{uri}{record.get('text')}".encode()).hexdigest()[:52]
        account = self.accounts[did]
        author = {"did": did, "handle": account["handle"], "displayName": account["displayName"]}
        post: dict[str, Any] = {
            "uri": uri,
            "cid": cid,
            "author": author,
            "record": dict(record),
            "indexedAt": _stamp(),
            "labels": [],
        }
        if reply_gate:
            post["gate"] = True
        self.posts[uri] = post
        return post

    def _tid(self) -> str:
        value = next(self._clock) << 10
        return "".join(_TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))

    def _mention_facets(self, text: str) -> list[dict[str, Any]]:
        facets = []
        for match in _MENTION.finditer(text):
            did = next((d for d, a in self.accounts.items() if a["handle"].lower() == match.group(1).lower()), None)
            if did is None:
                continue
            start = len(text[: match.start()].encode())
            facets.append({
                "index": {"byteStart": start, "byteEnd": start + len(match.group(0).encode())},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
            })  # fmt: skip
        return facets


def _parent(post: dict[str, Any]) -> str | None:
    parent = post["record"].get("reply", {}).get("parent", {}).get("uri")
    return str(parent) if parent else None


def _limit_headers(remaining: int, reset: int) -> dict[str, str]:
    """The PDS's rate limit headers (draft-ietf-httpapi-ratelimit-headers)."""
    return {
        "ratelimit-limit": str(RATE_LIMIT),
        "ratelimit-remaining": str(remaining),
        "ratelimit-reset": str(reset),
        "ratelimit-policy": f"{RATE_LIMIT};w={_WINDOW}",
    }


def _stamp() -> str:
    now = datetime.now(UTC) + timedelta(microseconds=next(_TICKS))
    return now.isoformat(timespec="microseconds").replace("+00:00", "Z")


_TICKS = itertools.count()


def _limit(q: dict[str, str]) -> int | None:
    raw = q.get("limit", "50")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 100 else None


def _paged(items: list[dict[str, Any]], cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first by indexedAt; the cursor is the indexedAt of the last item given."""
    ordered = sorted(items, key=lambda item: item["indexedAt"], reverse=True)
    if cursor:
        ordered = [item for item in ordered if item["indexedAt"] < cursor]
    page = ordered[:limit]
    return page, (page[-1]["indexedAt"] if len(ordered) > limit else None)
