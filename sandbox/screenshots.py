"""`python -m sandbox.screenshots [--out docs/screenshots]`: walk the README's tour and the sandbox journeys in Debian's
Chromium and save a screenshot of each step, in Slack and in Teams (the tour's, one a step, are in the README). Needs
Playwright (requirements-dev.txt) and `apt install chromium`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from sandbox import journey, teams_journey, tour
from sandbox.demo import load_demo, post_complaint
from sandbox.stack import CHANNEL, DemoStack

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def main(argv: list[str] | None = None) -> int:
    """Start the demo stack with the demo's complaints, walk the journey, save the screenshots."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where the PNGs go (default {OUT})")
    args = parser.parse_args(argv)
    for walk in (tour.walk, journey.run, teams_journey.run):  # each on a fresh stack: all handle the same complaint
        shoot(walk, args.out)
    for shot in sorted(args.out.glob("*.png")):
        print(shot)
    return 0


def shoot(walk: Callable[..., Any], out: Path) -> None:
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
                walk(browser, url, out)
            finally:
                browser.close()


if __name__ == "__main__":
    sys.exit(main())
