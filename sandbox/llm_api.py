"""A local OpenAI-compatible chat completions endpoint (POST /v1/chat/completions), answering as OpenAI documents:
a `chat.completion` object, 401 `invalid_api_key` for a wrong key, 400 for a malformed request; 429
`rate_limit_exceeded` with Retry-After and 500 `server_error` are queued with `fail_next`. Its drafts are made from
the prompt's first example (or a plain apology), so tests and the sandbox get a reply that reads like one."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from typing import Any

from sandbox.server import LocalServer, Request, Response

PATH = "/v1/chat/completions"
_EXAMPLE = re.compile(r"^1\. (.+)$", re.M)
_NAME = re.compile(r"first name is ([^.\n]+)\.")


def openai_error(message: str, kind: str, code: str | None) -> dict[str, Any]:
    """An error body shaped as OpenAI's."""
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


RATE_LIMITED = openai_error(
    "Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
    "requests",
    "rate_limit_exceeded",
)
SERVER_ERROR = openai_error(
    "The server had an error while processing your request. Sorry about that!", "server_error", None
)


class LocalChatCompletions(LocalServer):
    """Chat completions with one API key; `answer_with` scripts the next answers' text."""

    def __init__(self, key: str = "sk-local-drafts-key", model: str = "gpt-4o-mini") -> None:
        super().__init__()
        self.key = key
        self.model = model
        self.prompts: list[list[dict[str, str]]] = []  # every accepted request's messages
        self._scripted: list[str] = []
        self._ids = itertools.count(1)
        self.compose: Callable[[list[dict[str, str]]], str] = composed

    @property
    def endpoint(self) -> str:
        """The address LLM_API_URL names."""
        return f"{self.url}{PATH}"

    def answer_with(self, *texts: str) -> None:
        """Answer the next requests with these texts, in order."""
        with self.lock:
            self._scripted.extend(texts)

    def handle(self, request: Request) -> Response:
        """Check the key and the request, then answer a chat completion."""
        if request.path != PATH or request.method != "POST":
            return Response(
                404, openai_error(f"Invalid URL ({request.method} {request.path})", "invalid_request_error", None)
            )
        if request.headers.get("authorization") != f"Bearer {self.key}":
            message = (
                "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
            )
            return Response(401, openai_error(message, "invalid_request_error", "invalid_api_key"))
        body = request.json()
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list) or not messages or not isinstance(body.get("model"), str):
            return Response(400, openai_error("'messages' is a required property", "invalid_request_error", None))
        clean = [
            {"role": str(m.get("role")), "content": str(m.get("content"))} for m in messages if isinstance(m, dict)
        ]
        with self.lock:
            self.prompts.append(clean)
            text = self._scripted.pop(0) if self._scripted else self.compose(clean)
        return Response(200, completion(f"chatcmpl-local{next(self._ids)}", body["model"], text))


def completion(completion_id: str, model: str, text: str) -> dict[str, Any]:
    """A `chat.completion` object holding `text`, as OpenAI answers one."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": len(text) // 4, "total_tokens": 120 + len(text) // 4},
    }


def composed(messages: list[dict[str, str]]) -> str:
    """A draft from the prompt: its first example, with a friendlier opening; or a plain apology."""
    user = "\n".join(m["content"] for m in messages if m["role"] == "user")
    example = _EXAMPLE.search(user)
    named = _NAME.search(user)
    hello = f"Hi {named.group(1)}," if named else "Hi,"
    if example and example.group(1).startswith(("Hi ", "Hello ", "Hey ")):  # it greets already
        return f"{example.group(1)} Thanks for your patience."
    if example:
        return f"{hello} thanks for your patience. {example.group(1)}"
    return f"{hello} we're sorry about this. We're looking into it now and will follow up by DM."
