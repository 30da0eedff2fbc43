"""`python -m sandbox`: Squeaky on the embedded defaults against local Slack and X stand-ins, in a terminal.

Starts the local Slack Web API and X API, runs the real `python -m bot run` against
them (SQLite in a scratch folder, in-process coordination), drips the demo
complaints in as mentions, prints every card as Slack would show it, and lets you
click buttons by typing `claim 1 alice` or `release 1 alice`.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sandbox.interactions import block_action, post_signed, view_submission
from sandbox.slack_api import LocalSlack
from sandbox.terminal import render
from sandbox.x_api import LocalX

DEMO_FILE = Path(__file__).resolve().parent / "demo" / "complaints.jsonl"
PROJECT = Path(__file__).resolve().parents[1]
CHANNEL = "C0CARE"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_demo(path: Path = DEMO_FILE) -> list[dict[str, str]]:
    """The demo complaints (handle, name, text), one JSON object a line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _drip(x: LocalX, complaints: list[dict[str, str]], every: float, stop: threading.Event) -> None:
    for complaint in complaints:
        if stop.wait(every):
            return
        x.add_user(complaint["handle"], complaint["name"])
        x.add_tweet(complaint["handle"], complaint["text"])


def _watch(slack: LocalSlack, stop: threading.Event) -> None:
    shown = 0
    while not stop.is_set():
        calls = slack.calls[shown:]
        shown += len(calls)
        for call in calls:
            if call.method == "chat.postMessage" and call.params.get("thread_ts"):
                line = render([{"type": "section", "text": {"type": "mrkdwn", "text": call.params.get("text", "")}}])
                print(f"── in the card's thread:\n{line}", flush=True)
            elif call.method in ("chat.postMessage", "chat.update"):
                verb = "new card" if call.method == "chat.postMessage" else "card updated"
                print(f"\n── {verb} in #care ──\n{render(call.params.get('blocks', []))}", flush=True)
            elif call.method == "chat.postEphemeral":
                print(f"\n── only {call.params.get('user')} sees: {call.params.get('text')}", flush=True)
        stop.wait(0.2)


def _button_in(blocks: list[dict[str, Any]], complaint_id: str, label: str) -> dict[str, Any] | None:
    for block in blocks:
        if block.get("type") == "actions" and block.get("block_id") == f"complaint:{complaint_id}":
            for element in block.get("elements", []):
                if str(element.get("text", {}).get("text", "")).lower() == label.lower():
                    return dict(element)
    return None


def find_button(slack: LocalSlack, complaint_id: str, label: str) -> tuple[str, dict[str, Any]] | None:
    """The button labelled `label` on complaint `complaint_id`'s card, as it shows now or as it was first posted
    (an agent whose screen has not refreshed yet can still click a stale Claim)."""
    for message in slack.channel_messages(CHANNEL):
        for blocks in (message.get("blocks", []), message.get("posted_blocks", [])):
            button = _button_in(blocks, complaint_id, label)
            if button is not None:
                return str(message["ts"]), button
    return None


HELP = "type: claim N NAME · release N NAME · reply N NAME your text · ticket N NAME subject · close N NAME · quit"
LABELS = {
    "claim": "claim",
    "release": "release",
    "close": "close",
    "reply": "acknowledge publicly",
    "ticket": "move to ticket",
}


def _click(slack: LocalSlack, events_url: str, secret: str, words: list[str]) -> str:
    if len(words) < 3 or words[0] not in LABELS or not words[1].isdigit():
        return HELP
    verb, complaint_id, name, rest = words[0], words[1], words[2], " ".join(words[3:])
    if verb in ("reply", "ticket") and not rest:
        return f"say what: {verb} {complaint_id} {name} " + (
            "your reply" if verb == "reply" else "the ticket's subject"
        )
    found = find_button(slack, complaint_id, LABELS[verb])
    if found is None:
        return f"card #{complaint_id} shows no {LABELS[verb].title()} button"
    ts, button = found
    user_id = "U" + name.upper()[:10]
    views_before = len(slack.views)
    payload = block_action(user_id, name, button["action_id"], button["value"], CHANNEL, ts)
    response = post_signed(events_url, secret, payload)
    if verb not in ("reply", "ticket"):
        return f"{name} clicked {LABELS[verb].title()} on #{complaint_id}: Slack got {response.status_code}"
    try:  # the button opened a modal: fill it in and submit it, as the agent would
        view = slack.wait_for(lambda: len(slack.views) > views_before and slack.views[views_before], timeout=5)
    except TimeoutError:
        return f"{name} clicked {LABELS[verb].title()} on #{complaint_id}, but no form opened"
    field = next((b["block_id"] for b in view.get("blocks", []) if str(b.get("block_id", "")).startswith("text:")), "")
    answers = {field: rest} if verb == "reply" else {"subject": rest}
    if verb == "reply" and not field:
        return f"#{complaint_id} cannot get a public reply: it does not mention us"
    answer = post_signed(events_url, secret, view_submission(user_id, name, view, answers))
    errors = answer.json().get("errors") if answer.text else None
    if errors:
        return f"the form said no: {'; '.join(errors.values())}"
    return f"{name} sent the {'public reply' if verb == 'reply' else 'ticket'} for #{complaint_id}"


def _watch_x(x: LocalX, stop: threading.Event) -> None:
    shown = 0
    while not stop.is_set():
        for tweet in x.posted[shown:]:
            print(f"\n── on X, @{x.brand} replied publicly: {tweet['text']}", flush=True)
        shown = len(x.posted)
        stop.wait(0.3)


def main(argv: list[str] | None = None) -> int:
    """Run the demo until Ctrl-C or `quit`."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--every", type=float, default=3.0, help="seconds between two demo complaints (default 3)")
    args = parser.parse_args(argv)
    slack, x = LocalSlack(), LocalX()
    slack.start()
    x.start()
    port, secret = _free_port(), secrets.token_hex(16)
    workdir = Path(tempfile.mkdtemp(prefix="squeaky-demo-"))
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{workdir / 'squeaky.db'}"),
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_CHANNEL": CHANNEL,
        "SLACK_API_URL": f"{slack.url}/api/",
        "X_BEARER_TOKEN": x.bearer_token,
        "X_API_URL": x.url,
        "X_BRAND_HANDLES": x.brand,
        "X_API_KEY": "demo-key",
        "X_API_SECRET": "demo-key-secret",
        "X_ACCESS_TOKEN": "demo-access-token",
        "X_ACCESS_TOKEN_SECRET": "demo-access-secret",
        "X_POLL_SECONDS": str(min(2.0, args.every)),
        "PORT": str(port),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("REDIS_URL", None)
    env.pop("SLACK_APP_TOKEN", None)
    print(f"Squeaky demo: local Slack at {slack.url}, local X at {x.url}, Squeaky at http://127.0.0.1:{port}")
    print("Complaints arrive every few seconds. Try `claim 1 alice`, then `claim 1 bob`, then")
    print("`reply 1 alice Hi Maria, so sorry! DM us please`, `ticket 1 alice Missed connection`, `close 1 alice`.")
    print(HELP + "\n")
    bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=workdir)
    stop = threading.Event()
    threading.Thread(target=_drip, args=(x, load_demo(), args.every, stop), daemon=True).start()
    threading.Thread(target=_watch, args=(slack, stop), daemon=True).start()
    threading.Thread(target=_watch_x, args=(x, stop), daemon=True).start()
    try:
        for line in sys.stdin:
            words = line.split()
            if words == ["quit"]:
                break
            if words:
                print(_click(slack, f"http://127.0.0.1:{port}/slack/events", secret, words), flush=True)
        else:
            while bot.poll() is None:  # no terminal attached: keep running until interrupted
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        bot.send_signal(signal.SIGTERM)
        bot.wait(timeout=30)
        slack.stop()
        x.stop()
    return 0
