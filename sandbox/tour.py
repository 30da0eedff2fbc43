"""The tour of the sandbox page: the README's numbered steps, walked word for word in one browser tab.

The README prints `STEPS` (tests/unit/test_docs.py holds it to that), the demo's banner
suggests them, the browser test walks them with `walk`, and `make screenshots` saves
each step's picture under its name. The claim collision happens in the same tab: with
**Stale screen** ticked the channel stops refreshing, so bob still sees the Claim
button alice has just used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect

from sandbox.journey import VIEWPORT, shoot
from sandbox.tour_steps import STEPS


def card(page: Page, text: str) -> Locator:
    """The Slack card whose text contains `text`."""
    return page.get_by_test_id("card").filter(has_text=text).first


def be(page: Page, name: str) -> None:
    """Choose who you are under You are."""
    page.get_by_test_id("who").select_option(label=f"{name} ({'lead' if name == 'lea' else 'agent'})")


def _cards(page: Page, shots: Path | None) -> None:
    be(page, "alice")
    expect(card(page, "@maria_k")).to_be_visible()


def _claim(page: Page, shots: Path | None) -> None:
    maria = card(page, "@maria_k")
    maria.get_by_role("button", name="Claim").click()
    expect(maria).to_contain_text("Claimed by @alice")


def _reply(page: Page, shots: Path | None) -> None:
    card(page, "@maria_k").get_by_role("button", name="Acknowledge publicly").click()
    modal = page.get_by_test_id("modal")
    expect(modal.locator("textarea")).not_to_have_value("")  # the first template's text, to edit
    modal.locator("textarea").fill("Hi Maria, so sorry about SQ212. Please DM us your booking reference.")
    expect(modal).to_contain_text("costs $0.015")  # one plain post, priced as X prices it
    shoot(page, shots, STEPS[2].shot)  # the form, before it is sent
    modal.get_by_test_id("submit").click()
    expect(modal).to_be_hidden()
    mine = page.get_by_test_id("x").get_by_test_id("tweet").filter(has_text="@maria_k").first
    expect(mine.get_by_test_id("tweet").filter(has_text="so sorry about SQ212")).to_be_visible()


def _ticket(page: Page, shots: Path | None) -> None:
    card(page, "@maria_k").get_by_role("button", name="Move to ticket").click()
    modal = page.get_by_test_id("modal")
    expect(modal).to_contain_text("Move to a ticket")
    modal.get_by_test_id("submit").click()
    expect(modal).to_be_hidden()
    expect(card(page, "@maria_k")).to_contain_text("Ticket SQ-1 in Squeaky")


def _stats(page: Page, shots: Path | None) -> None:
    be(page, "lea")
    page.get_by_test_id("command").fill("/squeaky stats today")
    page.get_by_test_id("command").press("Enter")
    answer = page.get_by_test_id("answer").filter(has_text="Stats for today")
    expect(answer).to_contain_text("The chart follows in your direct messages with Squeaky")
    page.get_by_role("button", name="Direct messages").click()
    chart = page.get_by_test_id("dms").get_by_test_id("image").last
    expect(chart).to_be_visible()


def _collision(page: Page, shots: Path | None) -> None:
    page.get_by_role("button", name="#care").click()
    be(page, "alice")
    page.get_by_test_id("stale").check()
    tom = card(page, "Tom van den Berg")
    tom.get_by_role("button", name="Claim").click()
    be(page, "bob")
    tom.get_by_role("button", name="Claim").click()  # bob's screen still shows the button alice used
    expect(page.get_by_test_id("ephemeral").filter(has_text="Already claimed by @alice")).to_be_visible()


def _teams(page: Page, shots: Path | None) -> None:
    page.get_by_test_id("stale").uncheck()
    expect(card(page, "Tom van den Berg")).to_contain_text("Claimed by @alice")
    page.get_by_test_id("tool-teams").click()
    posts = page.get_by_test_id("teams-channel")
    expect(posts.get_by_test_id("teams-post").filter(has_text="Maria")).to_contain_text("SQ-1")


WALKS: tuple[Callable[[Page, Path | None], None], ...] = (_cards, _claim, _reply, _ticket, _stats, _collision, _teams)


def walk(browser: Browser, url: str, shots: Path | None = None, timeout: float = 20_000) -> Page:
    """Walk the tour in one tab, checking each step as the README says it; return the tab, where the tour ended."""
    expect.set_options(timeout=timeout)
    page = browser.new_context(viewport=VIEWPORT).new_page()  # type: ignore[arg-type]
    page.goto(url)
    for step, go in zip(STEPS, WALKS, strict=True):
        go(page, shots)
        if step is not STEPS[2]:  # the reply's picture is of its form, taken before it is sent
            shoot(page, shots, step.shot)
    return page


def seen(page: Page) -> dict[str, Any]:
    """What the page shows that no step names: elements it could not render."""
    return {"not_rendered": page.get_by_test_id("not-rendered").count()}
