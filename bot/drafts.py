"""Reply drafts from an OpenAI-compatible chat completions endpoint (LLM_API_URL, LLM_API_KEY), paced by the one
pacer; each of its documented failures (401, 429 with Retry-After, 5xx, a timeout, an unreadable or cut-off answer)
becomes a short reason the agent reads beside the suggestions.

httpx, already a requirement, makes one POST: the `openai` package would add a dependency and retries of its own,
where a person waiting wants one try, paced with every other outside call, and a plain reason when it fails.
"""

from __future__ import annotations

import logging
import math
import threading
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bot.config import Settings, SettingsError
from bot.pacing import LANES, Lane, Pacer, wait_from
from bot.templates_file import PROJECT
from handlers.domain.drafts import PromptMessage
from handlers.drafts.draft import Drafter
from handlers.ports.coordination import RateLimiter
from handlers.ports.drafts import DraftFailed

log = logging.getLogger(__name__)
MAX_ANSWER_BYTES = 200_000  # an answer larger than this is not a chat completion


def _content(data: Any) -> tuple[str, str]:
    """The first choice's text and finish reason, from a chat completion as OpenAI documents it."""
    choices = data.get("choices") if isinstance(data, dict) else None
    first: dict[str, Any] = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
    message = first.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise DraftFailed("the drafting model's answer could not be read")
    return content, str(first.get("finish_reason") or "")


class ChatCompletions:
    """One endpoint, one key and one model; every call takes a slot of the drafting lane first."""

    def __init__(self, url: str, key: str, model: str, pacer: Pacer, lane: Lane, timeout: float = 10.0) -> None:
        self.url, self._key, self.model = url, key, model
        self._pacer, self._lane, self.timeout = pacer, lane, timeout
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)
            return self._client

    def write(self, messages: Sequence[PromptMessage], max_chars: int) -> str:
        """The model's reply to `messages`; DraftFailed, with a reason fit to show, when there is none."""
        wait = self._pacer.slot(self._lane, urgent=True)
        if wait > 0:
            raise DraftFailed(f"drafts are paced: try again in {math.ceil(wait)} s")
        body = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max(64, max_chars // 2),
            "temperature": 0.4,
            "n": 1,
        }
        try:
            response = self._http().post(self.url, json=body, headers={"Authorization": f"Bearer {self._key}"})
        except httpx.TimeoutException:
            raise DraftFailed(f"the drafting model did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            log.warning("the drafting model could not be reached: %s", exc.__class__.__name__)
            raise DraftFailed("the drafting model could not be reached") from None
        status = response.status_code
        if status == 429:
            seconds = wait_from(response.headers, fallback=20.0)
            self._pacer.pause(self._lane, "", seconds)
            raise DraftFailed(f"the drafting model is rate limited: try again in {math.ceil(seconds)} s")
        if status in (401, 403):
            log.warning("the drafting model refused LLM_API_KEY (HTTP %s)", status)
            raise DraftFailed(f"the drafting model refused our key (HTTP {status})")
        if status >= 500:
            raise DraftFailed(f"the drafting model failed (HTTP {status})")
        if status != 200:
            raise DraftFailed(f"the drafting model refused the request (HTTP {status})")
        if len(response.content) > MAX_ANSWER_BYTES:
            raise DraftFailed("the drafting model's answer was far too long")
        try:
            data = response.json()
        except ValueError:
            raise DraftFailed("the drafting model's answer could not be read") from None
        content, finish = _content(data)
        if finish == "length" or len(content) > max_chars:
            raise DraftFailed("the draft came back too long")
        return content


def load_tones(path: str) -> dict[str, str]:
    """The tone guides of the replies file: `[tone]` holds `default` and one line per queue."""
    candidates = [Path(path)] if Path(path).is_absolute() else [Path.cwd() / path, PROJECT / path]
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        return {}
    try:
        section = tomllib.loads(found.read_text(encoding="utf-8")).get("tone", {})
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"REPLY_TEMPLATES {found} is not valid: {exc}.") from None
    if not isinstance(section, dict) or not all(isinstance(v, str) for v in section.values()):
        raise SettingsError(f"REPLY_TEMPLATES {found}: [tone] must give each queue (and default) a line of text.")
    return {str(queue): text.strip() for queue, text in section.items() if text.strip()}


def drafter(settings: Settings, limiter: RateLimiter) -> Drafter | None:
    """Drafts from the configured endpoint, paced in every process alike; None when LLM_API_URL or its key is unset."""
    if not settings.drafts_on or settings.llm_api_url is None or settings.llm_api_key is None:
        return None
    lane = LANES["llm.chat"].at_pace(settings.llm_requests_per_minute / 60.0)
    client = ChatCompletions(
        settings.llm_api_url,
        settings.llm_api_key.get_secret_value(),
        settings.llm_model,
        Pacer(limiter),
        lane,
        settings.llm_timeout_seconds,
    )
    return Drafter(client, load_tones(settings.reply_templates))
