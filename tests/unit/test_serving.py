"""The web server in a thread: it keeps answering in a process that already holds more than 1,024 open files (a
busy web process's sockets, connections and files), where select() cannot watch a descriptor."""

from __future__ import annotations

import os
import resource
import threading
from collections.abc import Iterator

import pytest
import requests

from bot.serving import BackgroundServer

OPEN_BEFORE = 1100  # past select()'s FD_SETSIZE of 1,024


@pytest.fixture
def many_open_files() -> Iterator[None]:
    """Hold enough descriptors open that the server's own sockets are numbered past 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < OPEN_BEFORE + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, OPEN_BEFORE + 200), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(OPEN_BEFORE)]
    try:
        assert max(held) >= 1024
        yield
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _hello(environ: dict[str, object], start_response: object) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
    return [b"hello"]


def test_the_server_answers_when_its_sockets_are_numbered_past_1024(many_open_files: None) -> None:
    threads_before = threading.active_count()
    server = BackgroundServer(_hello, host="127.0.0.1", port=0).start()
    try:
        for _ in range(3):
            answer = requests.get(f"http://127.0.0.1:{server.port}/", timeout=5)
            assert answer.status_code == 200 and answer.text == "hello"
    finally:
        server.close()
    assert threading.active_count() == threads_before  # its loop and its request threads ended with it


def test_closing_twice_or_after_the_loop_lost_its_trigger_ends_it_quietly() -> None:
    threads_before = threading.active_count()
    server = BackgroundServer(_hello, host="127.0.0.1", port=0).start()
    assert requests.get(f"http://127.0.0.1:{server.port}/", timeout=5).text == "hello"
    server._server.trigger.close()  # its wake-up pipe gone (a descriptor closed under it)
    server.close()
    server.close()
    assert threading.active_count() == threads_before
