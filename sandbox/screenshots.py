"""`python -m sandbox.screenshots [--out docs/screenshots] [--only private]`: walk the README's tour and the sandbox
journeys in Debian's Chromium and save a screenshot of each step, in Slack and in Teams (the tour's, one a step, are in
the README; the private conversation's too). Needs Playwright (requirements-dev.txt) and `apt install chromium`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

from sandbox import journey, private_tour, teams_journey, tour
from sandbox.demo import load_demo, post_complaint
from sandbox.stack import CHANNEL, DemoStack

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


WALKS: dict[str, Callable[[Browser, str, Path, DemoStack], Any]] = {
    "tour": lambda browser, url, out, stack: tour.walk(browser, url, out),
    "journey": lambda browser, url, out, stack: journey.run(browser, url, out),
    "teams": lambda browser, url, out, stack: teams_journey.run(browser, url, out),
    "private": lambda browser, url, out, stack: private_tour.run(browser, url, out, private_tour.maria_writes(stack.x)),
}


def main(argv: list[str] | None = None) -> int:
    """Start the demo stack with the demo's complaints, walk the journeys, save the screenshots."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where the PNGs go (default {OUT})")
    parser.add_argument("--only", choices=sorted(WALKS), action="append", help="walk only this one (again: more)")
    args = parser.parse_args(argv)
    for name in args.only or list(WALKS):  # each on a fresh stack: all handle the same complaint
        shoot(WALKS[name], args.out)
    for shot in sorted(args.out.glob("*.png")):
        print(shot)
    return 0


def shoot(walk: Callable[[Browser, str, Path, DemoStack], Any], out: Path) -> None:
    """Start the demo stack with the demo's complaints, and walk one journey in it, saving its screenshots."""
    with DemoStack(poll_seconds=0.5) as stack:
        url = stack.serve_page(0)
        stack.wait_until_up(stack.stopping)
        for n, complaint in enumerate(load_demo()):
            post_complaint(stack, n, complaint)  # on X, Bluesky and Mastodon in turn, as the demo does
        stack.workspace.progress.replayed = stack.workspace.progress.total = len(load_demo())
        deadline = time.monotonic() + 60
        while len(stack.slack.channel_messages(CHANNEL)) < len(load_demo()) and time.monotonic() < deadline:
            time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = journey.launch(playwright)
            try:
                walk(browser, url, out, stack)
            finally:
                browser.close()


if __name__ == "__main__":
    sys.exit(main())
