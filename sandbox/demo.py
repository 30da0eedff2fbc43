"""`python -m sandbox`: Squeaky on the embedded defaults against local Slack, Teams, X, Bluesky and Mastodon.

Starts the local stand-ins, runs the real `python -m bot run` against them (SQLite in a
scratch folder, in-process coordination) and drips the demo complaints in as mentions,
on X, Bluesky and Mastodon in turn. The sandbox page (sandbox/workspace.py) shows the care
channel in a browser, where you click as alice, bob or lea. With `--terminal`, every
card prints in the terminal instead, and you click by typing `claim 1 alice`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from sandbox.interactions import block_action, post_signed, view_submission
from sandbox.slack_api import LocalSlack
from sandbox.stack import CHANNEL, DemoStack
from sandbox.terminal import render
from sandbox.tour_steps import PAGE, STEPS
from sandbox.workspace import PEOPLE, Progress, SandboxWorkspace
from sandbox.x_api import as_people_see

DEMO_FILE = Path(__file__).resolve().parent / "demo" / "complaints.jsonl"
PAGE_PORT = 8700
_FIRST_MENTION = re.compile(r"@\w+")


def load_demo(path: Path = DEMO_FILE) -> list[dict[str, str]]:
    """The demo complaints (handle, name, text), one JSON object a line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_twcs(path: Path, limit: int, brand: str) -> list[dict[str, str]]:
    """Opening tweets of conversations from a twcs-style CSV, addressed to our brand instead of theirs."""
    found: list[dict[str, str]] = []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("inbound") != "True" or row.get("in_response_to_tweet_id") or not row.get("text"):
                continue
            text = _FIRST_MENTION.sub(f"@{brand}", row["text"], count=1)
            if f"@{brand}" not in text:
                text = f"@{brand} {text}"
            found.append({"handle": f"customer_{row['author_id']}"[:15], "name": "Customer", "text": text})
            if len(found) >= limit:
                break
    return found


def post_complaint(stack: DemoStack, n: int, complaint: dict[str, str]) -> None:
    """The demo's `n`th complaint, on X, Bluesky and Mastodon in turn, addressed to the brand there."""
    handle, name, text = complaint["handle"], complaint["name"], complaint["text"]
    network = complaint.get("network") or ("x", "bsky", "mastodon")[n % 3]
    if network == "bsky":
        author = f"{handle.replace('_', '-').lower()}.bsky.social"
        stack.bluesky.add_account(author, name)
        stack.bluesky.add_post(author, _FIRST_MENTION.sub(f"@{stack.bluesky.brand}", text, count=1))
    elif network == "mastodon":
        author = f"{handle}@mastodon.social"
        stack.mastodon.add_account(author, name)
        stack.mastodon.add_status(author, _FIRST_MENTION.sub(f"@{stack.mastodon.brand}", text, count=1))
    else:
        stack.x.add_user(handle, name)
        stack.x.add_tweet(handle, text)


def _drip(
    stack: DemoStack, complaints: list[dict[str, str]], every: float, stop: threading.Event, progress: Progress
) -> None:
    progress.total = len(complaints)
    stack.wait_until_up(stop)  # the first complaint is case #1: Squeaky reads each network as soon as it starts
    for n, complaint in enumerate(complaints):
        if stop.wait(every):
            return
        post_complaint(stack, n, complaint)
        progress.replayed += 1


NAMES = {p.id: p.name for p in PEOPLE}


def _watch(slack: LocalSlack, stop: threading.Event) -> None:
    shown = 0
    while not stop.is_set():
        calls = slack.calls[shown:]
        shown += len(calls)
        for call in calls:
            if call.method == "chat.postMessage" and call.params.get("thread_ts"):
                text = call.params.get("text", "")
                line = render([{"type": "section", "text": {"type": "mrkdwn", "text": text}}], NAMES)
                print(f"── in the card's thread:\n{line}", flush=True)
            elif call.method in ("chat.postMessage", "chat.update"):
                verb = "new card" if call.method == "chat.postMessage" else "card updated"
                print(f"\n── {verb} in #care ──\n{render(call.params.get('blocks', []), NAMES)}", flush=True)
            elif call.method == "chat.postEphemeral":
                who = NAMES.get(str(call.params.get("user")), call.params.get("user"))
                print(f"\n── only {who} sees: {call.params.get('text')}", flush=True)
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
    user_id = next((p.id for p in PEOPLE if p.name == name), "U" + name.upper()[:10])
    views_before = len(slack.views)
    answer_at = slack.action_response_url(CHANNEL, ts)
    payload = block_action(user_id, name, button["action_id"], button["value"], CHANNEL, ts, response_url=answer_at)
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


def _watch_networks(stack: DemoStack, stop: threading.Event) -> None:
    """Print each public reply Squeaky posts, on whichever network."""
    shown = {"X": 0, "Bluesky": 0, "Mastodon": 0}
    while not stop.is_set():
        posted = {
            "X": [(stack.x.brand, as_people_see(t)) for t in stack.x.posted],
            "Bluesky": [(stack.bluesky.brand, p["record"]["text"]) for p in stack.bluesky.posted],
            "Mastodon": [(stack.mastodon.brand, s["text"]) for s in stack.mastodon.posted],
        }
        for network, replies in posted.items():
            for brand, text in replies[shown[network] :]:
                print(f"\n── on {network}, @{brand} replied publicly: {text}", flush=True)
            shown[network] = len(replies)
        stop.wait(0.3)


def _report(workspace: SandboxWorkspace, slack: LocalSlack, stop: threading.Event) -> None:
    said = ""
    while not stop.wait(1.0):
        carded = sum(
            1 for m in slack.channel_messages(CHANNEL) if (m.get("metadata") or {}).get("event_type") == "squeaky_card"
        )
        line = f"replayed {workspace.progress.replayed} of {workspace.progress.total} complaints · {carded} carded"
        if line != said:
            print(line, flush=True)
            said = line


def tour_lines(page: str) -> list[str]:
    """The README's tour as plain lines for the terminal, with the page's real address."""
    return [s.text.replace("**", "").replace("`", "").replace(PAGE, page) for s in STEPS]


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the demo until Ctrl-C (or `quit` in the terminal mode)."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--every", type=float, default=3.0, help="seconds between two demo complaints (default 3)")
    parser.add_argument("--port", type=int, default=PAGE_PORT, help=f"the sandbox page's port (default {PAGE_PORT})")
    parser.add_argument("--replay", type=Path, help="replay opening tweets from a twcs-style CSV instead of the demo")
    parser.add_argument("--limit", type=int, default=50, help="how many tweets --replay takes (default 50)")
    parser.add_argument("--terminal", action="store_true", help="print the channel in the terminal; no page")
    parser.add_argument("--verbose", action="store_true", help="log every request the client libraries make too")
    args = parser.parse_args(argv)
    if args.verbose:
        os.environ["LOG_LEVEL"] = "DEBUG"  # Squeaky's own debug lines, and the libraries' INFO and DEBUG ones
    signal.signal(signal.SIGTERM, _interrupt)  # stopped from outside: stop Squeaky and the stand-ins too
    stack = DemoStack(poll_seconds=min(2.0, args.every))
    complaints = load_twcs(args.replay, args.limit, stack.x.brand) if args.replay else load_demo()
    progress, stop = stack.workspace.progress, stack.stopping
    threading.Thread(target=_drip, args=(stack, complaints, args.every, stop, progress), daemon=True).start()
    try:
        if args.terminal:
            _terminal(stack, stop)
        else:
            page = stack.serve_page(args.port)
            print(f"Squeaky is running on SQLite with in-process coordination. Open {page} in a browser.")
            print("The tour (README.md shows each step):")
            for n, step in enumerate(tour_lines(page), start=1):
                print(f"  {n}. {step}")
            print(f"{len(complaints)} complaints arrive every {args.every:g} s. Ctrl-C stops everything.", flush=True)
            threading.Thread(target=_report, args=(stack.workspace, stack.slack, stop), daemon=True).start()
            while stack.bot.poll() is None:
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


def _terminal(stack: DemoStack, stop: threading.Event) -> None:
    slack, events_url, secret = stack.slack, stack.events_url, stack.secret
    print(f"Squeaky demo: local Slack at {slack.url}; X at {stack.x.url}, Bluesky at {stack.bluesky.url}, ", end="")
    print(f"Mastodon at {stack.mastodon.url}")
    print("Complaints arrive every few seconds. Try `claim 1 alice`, then `claim 1 bob`, then")
    print("`reply 1 alice Hi Maria, so sorry! DM us please`, `ticket 1 alice Missed connection`, `close 1 alice`.")
    print(HELP + "\n")
    threading.Thread(target=_watch, args=(slack, stop), daemon=True).start()
    threading.Thread(target=_watch_networks, args=(stack, stop), daemon=True).start()
    for line in sys.stdin:
        words = line.split()
        if words == ["quit"]:
            return
        if words:
            print(_click(slack, events_url, secret, words), flush=True)
    while not stop.wait(1):  # no terminal attached: keep running until interrupted
        pass
