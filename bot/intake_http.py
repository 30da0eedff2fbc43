"""POST /intake: posts from other networks and channels, bearer-authenticated, validated, all-or-nothing."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from bot.outages import OUTAGES, describe_outage
from bot.sources.schema import Post, describe
from bot.untrusted_json import parse
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.stream_codec import to_entry
from handlers.ports.coordination import RateLimiter, StreamQueue

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000
MAX_POSTS = 500
REFUSED_PER_SECOND, REFUSED_BURST = 1.0, 10  # wrong tokens, from anyone: guessing goes no faster than this


class IntakeLimits:
    """How fast the intake takes requests: per token, and wrong tokens all together; shared by the web processes."""

    def __init__(self, limiter: RateLimiter, per_minute: float) -> None:
        self._limiter = limiter
        self._per_second = per_minute / 60.0
        self._burst = max(1, math.ceil(per_minute / 6))  # ten seconds' worth at once

    def wait_for_token(self, token: str) -> float:
        """Take a request for `token`; 0 if taken, else the seconds to wait (the token is keyed by its hash)."""
        key = hashlib.sha256(token.encode()).hexdigest()[:24]
        return self._limiter.take(f"squeaky:intake:{key}", self._per_second, self._burst)

    def wait_after_refusal(self) -> float:
        """Take a wrong-token attempt; 0 if taken, else the seconds to wait."""
        return self._limiter.take("squeaky:intake:refused", REFUSED_PER_SECOND, REFUSED_BURST)


class IntakeAnswer:
    """An HTTP status and a JSON body."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}


def _problem(status: int, message: str, **extra: Any) -> IntakeAnswer:
    headers = {"WWW-Authenticate": 'Bearer realm="squeaky-intake"'} if status == 401 else {}
    return IntakeAnswer(status, {"error": message, **extra}, headers)


def _too_many(wait: float, what: str) -> IntakeAnswer:
    seconds = max(1, math.ceil(wait))
    return IntakeAnswer(429, {"error": f"{what}: try again in {seconds} s"}, {"Retry-After": str(seconds)})


def handle_intake(
    token: str | None,
    authorization: str,
    content_type: str,
    body: bytes,
    queue: StreamQueue,
    limits: IntakeLimits,
    keep: Callable[[list[IncomingComplaint]], None] | None = None,
) -> IntakeAnswer:
    """Check the token (in constant time) and its pace, parse and validate every post, then put them all on the
    stream (or none of them)."""
    if not token:
        return _problem(503, "the intake is off: set INTAKE_TOKEN to turn it on")
    given = authorization.removeprefix("Bearer ").strip() if authorization.startswith("Bearer ") else ""
    if not given or not hmac.compare_digest(given.encode(), token.encode()):
        wait = limits.wait_after_refusal()
        return _too_many(wait, "too many refused attempts") if wait else _problem(401, "missing or wrong bearer token")
    if wait := limits.wait_for_token(given):
        return _too_many(wait, "too many requests for this token")
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
    items = [post.to_incoming() for post in posts]
    if keep is not None:  # kept in the database's arrivals first: a Redis that loses its stream loses none of them
        try:
            keep(items)
        except OUTAGES as exc:  # the stream alone carries them while the database is away
            log.warning("intake: %d post(s) not kept as arrivals: %s", len(items), describe_outage(exc))
    queue.add(to_entry(items))
    return IntakeAnswer(202, {"accepted": len(posts), "ids": [f"{p.source}:{p.id}" for p in posts]})
