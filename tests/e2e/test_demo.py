"""The README's first command: the terminal demo runs the real product against the stand-ins, and clicks work."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from sandbox.demo import load_demo
from sandbox.terminal import render

pytestmark = [pytest.mark.e2e, pytest.mark.alone]
ROOT = Path(__file__).resolve().parents[2]


class Session:
    """A demo process whose output lines are read in the background."""

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "DATABASE_URL", "REDIS_URL"))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--terminal", "--every", "0.3"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def expect(self, *texts: str, timeout: float = 30) -> None:
        """Read on until every text has been printed (in any order: X's side and the card's run side by side)."""
        missing = list(texts)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            missing = [text for text in missing if text not in line]
            if not missing:
                return
        raise AssertionError(f"demo never printed {missing!r}; it printed:\n{''.join(self.seen)}")

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()


def test_demo_streams_cards_and_shows_a_claim_collision() -> None:
    demo = Session()
    try:
        demo.expect("new card in #care")
        demo.expect("@maria_k")
        demo.type("claim 1 alice")
        demo.expect("Claimed by @alice")
        demo.type("claim 1 bob")
        demo.expect("only bob sees: Already claimed by @alice")
        demo.type("reply 1 alice Hi Maria, so sorry! Please DM us your booking ref.")
        demo.expect("on X, @SqueakyAir replied publicly: Hi Maria, so sorry!", "Replied publicly")
        demo.type("ticket 1 alice Missed connection in Lisbon")
        demo.expect("*Ticket SQ-1* in Squeaky")
        demo.type("close 1 alice")
        demo.expect("*Closed* · handled by @alice")
        demo.type("dance 1")
        demo.expect("type: claim N NAME")
        demo.type("quit")
        assert demo.process.wait(timeout=30) == 0
    finally:
        if demo.process.poll() is None:  # SIGTERM: the demo stops the Squeaky it started, leaving no process behind
            demo.process.terminate()
            demo.process.wait(timeout=30)


def test_demo_file_is_well_formed_and_shows_hostile_text_inert() -> None:
    complaints = load_demo()
    assert len(complaints) >= 8 and all({"handle", "name", "text"} <= set(c) for c in complaints)
    assert all(c["text"].startswith("@SqueakyAir") for c in complaints)
    shown = render([{"type": "section", "text": {"type": "mrkdwn", "text": "&lt;!channel&gt; a &amp; b"}}])
    assert shown == "  │ <!channel> a & b"


def test_make_run_serves_the_sandbox_page_and_reports_progress() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "DATABASE_URL", "REDIS_URL"))}
    demo = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--every", "0.2", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in demo.stdout or []], daemon=True).start()
    seen: list[str] = []

    def expect(pattern: str) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            seen.append(line)
            if pattern in line:
                return line
        raise AssertionError(f"the demo never printed {pattern!r}; it printed:\n{''.join(seen)}")

    try:
        address = expect("in a browser.").split("Open ", 1)[1].split(" in a browser", 1)[0]
        expect(f"replayed {len(load_demo())} of {len(load_demo())} complaints · {len(load_demo())} carded")
        time.sleep(3)  # a few polls with nothing new
        while not lines.empty():
            seen.append(lines.get())
        chatter = [line for line in seen if re.search(r" (INFO|DEBUG) (?!bot\.|handlers\.|storage\.)", line)]
        assert not chatter, chatter  # the client libraries speak only of trouble unless --verbose
        news = [line for line in seen if "polled " in line]
        assert len(news) <= len(load_demo()) and all(" 0 new" not in line for line in news), news
        assert _listening(demo.pid) and all(host == "127.0.0.1" for host in _listening(demo.pid)), _listening(demo.pid)
        page = requests.get(address, timeout=5)
        assert page.ok and "Squeaky sandbox" in page.text and "development and demos" in page.text
        state = requests.get(f"{address}/ui/state", params={"user": "U0BOB"}, timeout=5).json()
        assert state["me"]["name"] == "bob" and len(state["channel"]) == len(load_demo())
        assert all(m["card"] for m in state["channel"])
        # the demo streams from the three networks in turn, each shown side by side on the page
        by_network = [len(state["x"]), len(state["bluesky"]), len(state["mastodon"])]
        assert sum(by_network) == len(load_demo()) and min(by_network) >= 2
        assert "Bluesky (local)" in page.text and "Mastodon (local)" in page.text
        assert requests.get(f"{address}/ui/state", params={"user": "U0MALLORY"}, timeout=5).status_code == 400
    finally:
        demo.terminate()
        demo.wait(timeout=30)


def _listening(pid: int) -> list[str]:
    """The addresses every TCP socket of `pid` and its children listens on (from /proc)."""
    pids = [pid, *(int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    inodes = {
        link.removeprefix("socket:[").removesuffix("]")
        for p in pids
        for fd in Path(f"/proc/{p}/fd").iterdir()
        if (link := os.readlink(fd)).startswith("socket:[")
    }
    hosts = []
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        for row in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                raw = bytes.fromhex(fields[1].split(":")[0])
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                hosts.append(socket.inet_ntop(family, words))
    return hosts
