"""The drafting client against the local chat completions endpoint, answering as OpenAI documents: a draft; a
refused key, a rate limit (its Retry-After holds the lane), a server error, an unreadable or over-long answer and a
timeout each become a short reason, never an exception the agent sees."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.drafts import ChatCompletions
from bot.pacing import LANES, local_pacer
from handlers.domain.drafts import PromptMessage
from handlers.ports.drafts import DraftFailed
from sandbox.llm_api import PATH, RATE_LIMITED, SERVER_ERROR, LocalChatCompletions

PROMPT = [PromptMessage("system", "Draft a reply."), PromptMessage("user", "The customer's first name is Ann.")]


@pytest.fixture
def endpoint() -> Iterator[LocalChatCompletions]:
    server = LocalChatCompletions()
    server.start()
    yield server
    server.stop()


def _client(endpoint: LocalChatCompletions, key: str | None = None, timeout: float = 5.0) -> ChatCompletions:
    return ChatCompletions(
        endpoint.endpoint, key or endpoint.key, "gpt-4o-mini", local_pacer(), LANES["llm.chat"], timeout
    )


def test_a_draft_comes_back_with_the_prompt_sent_as_chat_messages(endpoint: LocalChatCompletions) -> None:
    assert _client(endpoint).write(PROMPT, 1000).startswith("Hi Ann,")
    assert endpoint.prompts == [
        [{"role": "system", "content": "Draft a reply."}, {"role": "user", "content": PROMPT[1].content}]
    ]


def test_a_wrong_key_is_refused_with_401(endpoint: LocalChatCompletions) -> None:
    with pytest.raises(DraftFailed, match=r"refused our key \(HTTP 401\)"):
        _client(endpoint, key="sk-wrong").write(PROMPT, 1000)


def test_a_rate_limit_waits_out_its_retry_after_in_the_lane(endpoint: LocalChatCompletions) -> None:
    endpoint.fail_next(PATH, 429, RATE_LIMITED, {"Retry-After": "20"})
    client = _client(endpoint)
    with pytest.raises(DraftFailed, match="rate limited: try again in 20 s"):
        client.write(PROMPT, 1000)
    asked = len(endpoint.requests)
    with pytest.raises(DraftFailed, match="drafts are paced"):
        client.write(PROMPT, 1000)
    assert len(endpoint.requests) == asked, "the paused lane kept the second ask from the endpoint"


def test_a_server_error_a_garbled_answer_and_an_over_long_one_each_say_why(endpoint: LocalChatCompletions) -> None:
    client = _client(endpoint)
    endpoint.fail_next(PATH, 500, SERVER_ERROR)
    with pytest.raises(DraftFailed, match=r"failed \(HTTP 500\)"):
        client.write(PROMPT, 1000)
    endpoint.fail_next(PATH, 200, b'{"choices": [{"message": ')
    with pytest.raises(DraftFailed, match="could not be read"):
        client.write(PROMPT, 1000)
    endpoint.fail_next(PATH, 200, {"choices": [{"message": {"content": None}}]})
    with pytest.raises(DraftFailed, match="could not be read"):
        client.write(PROMPT, 1000)
    endpoint.answer_with("word " * 500)
    with pytest.raises(DraftFailed, match="too long"):
        client.write(PROMPT, 1000)


def test_an_endpoint_that_does_not_answer_in_time_is_a_timeout(endpoint: LocalChatCompletions) -> None:
    endpoint.slow_next(PATH, 2.0)
    with pytest.raises(DraftFailed, match=r"did not answer within 0\.5 s"):
        _client(endpoint, timeout=0.5).write(PROMPT, 1000)
