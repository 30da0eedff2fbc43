"""`python -m sandbox.screenshots [--out docs/screenshots]`: walk the sandbox journey in Debian's Chromium and save a
screenshot of each step (the README shows two). Needs Playwright (requirements-dev.txt) and `apt install chromium`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from sandbox import journey
from sandbox.demo import load_demo
from sandbox.stack import CHANNEL, DemoStack

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def main(argv: list[str] | None = None) -> int:
    """Start the demo stack with the demo's complaints, walk the journey, save the screenshots."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where the PNGs go (default {OUT})")
    args = parser.parse_args(argv)
    with DemoStack(poll_seconds=0.5) as stack:
        url = stack.serve_page(0)
        for complaint in load_demo():
            stack.x.add_user(complaint["handle"], complaint["name"])
            stack.x.add_tweet(complaint["handle"], complaint["text"])
        stack.workspace.progress.replayed = stack.workspace.progress.total = len(load_demo())
        deadline = time.monotonic() + 60
        while len(stack.slack.channel_messages(CHANNEL)) < len(load_demo()) and time.monotonic() < deadline:
            time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = journey.launch(playwright)
            try:
                journey.run(browser, url, args.out)
            finally:
                browser.close()
    for shot in sorted(args.out.glob("*.png")):
        print(shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
