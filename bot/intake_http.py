"""POST /intake: posts from other networks and channels, bearer-authenticated, validated, all-or-nothing."""

from __future__ import annotations

import hmac
from typing import Any

from pydantic import ValidationError

from bot.sources.schema import Post, describe
from bot.untrusted_json import parse
from handlers.intake.stream_codec import to_entry
from handlers.ports.coordination import StreamQueue

MAX_BODY = 1_000_000
MAX_POSTS = 500


class IntakeAnswer:
    """An HTTP status and a JSON body."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}


def _problem(status: int, message: str, **extra: Any) -> IntakeAnswer:
    headers = {"WWW-Authenticate": 'Bearer realm="squeaky-intake"'} if status == 401 else {}
    return IntakeAnswer(status, {"error": message, **extra}, headers)


def handle_intake(
    token: str | None, authorization: str, content_type: str, body: bytes, queue: StreamQueue
) -> IntakeAnswer:
    """Check the token, parse and validate every post, then put them all on the stream (or none of them)."""
    if not token:
        return _problem(503, "the intake is off: set INTAKE_TOKEN to turn it on")
    given = authorization.removeprefix("Bearer ").strip() if authorization.startswith("Bearer ") else ""
    if not given or not hmac.compare_digest(given.encode(), token.encode()):
        return _problem(401, "missing or wrong bearer token")
    if "application/json" not in content_type:
        return _problem(415, "send the posts as application/json")
    if len(body) > MAX_BODY:
        return _problem(413, f"the body is over {MAX_BODY:,} bytes; send fewer posts at a time")
    try:
        data = parse(body)
    except ValueError as exc:
        return _problem(400, f"the body is not JSON: {exc.args[0]}")
    if isinstance(data, dict) and "posts" in data:
        raw = data["posts"]
        if not isinstance(raw, list) or not raw:
            return _problem(422, "posts must be a non-empty list")
    elif isinstance(data, dict):
        raw = [data]
    else:
        return _problem(422, 'send one post (an object) or {"posts": [...]}')
    if len(raw) > MAX_POSTS:
        return _problem(413, f"at most {MAX_POSTS} posts per request, not {len(raw)}")
    posts, problems = [], []
    for index, item in enumerate(raw):
        try:
            posts.append(Post.model_validate(item))
        except ValidationError as exc:
            problems += [{"index": index, **problem} for problem in describe(exc)]
    if problems:
        return _problem(422, "nothing was accepted: some posts are not valid", problems=problems)
    queue.add(to_entry([post.to_incoming() for post in posts]))
    return IntakeAnswer(202, {"accepted": len(posts), "ids": [f"{p.source}:{p.id}" for p in posts]})
