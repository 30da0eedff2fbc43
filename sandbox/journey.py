"""The sandbox journey in a real browser (Playwright): what the browser tests check and the screenshots show.

A complaint arrives; alice claims it; bob, whose screen had not refreshed yet, clicks
Claim too and is told privately who has it; alice acknowledges publicly with a template
and the reply appears on the X side; alice moves it to a ticket; lea, a team lead,
reassigns it to bob, runs `/squeaky stats today public` and the chart arrives; lea opens
the Home tab.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, Playwright, expect

CHROMIUM = os.environ.get("SQUEAKY_CHROMIUM", "/usr/bin/chromium")
# As root, on a machine with no network beyond the registries: no sandbox, and none of Chromium's own traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1360, "height": 900}


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, with the flags this machine needs."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def open_as(browser: Browser, url: str, user: str) -> Page:
    """A page of the sandbox as one of its people (each page its own browser context, like two laptops)."""
    page = browser.new_context(viewport=VIEWPORT).new_page()  # type: ignore[arg-type]
    page.goto(f"{url}/?as={user}")
    return page


def card(page: Page, text: str) -> Locator:
    """The card whose text contains `text`."""
    return page.get_by_test_id("card").filter(has_text=text).first


def shoot(page: Page, folder: Path | None, name: str) -> None:
    """Save a screenshot when a folder is given."""
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"))


def run(browser: Browser, url: str, shots: Path | None = None, timeout: float = 20_000) -> dict[str, Any]:
    """Walk the journey, checking each step as a person would see it; return what was seen."""
    expect.set_options(timeout=timeout)
    alice = open_as(browser, url, "U0ALICE")
    bob = open_as(browser, url, "U0BOB")
    first = card(alice, "@maria_k")
    expect(first).to_be_visible()
    expect(card(bob, "@maria_k").get_by_role("button", name="Claim")).to_be_visible()

    bob.evaluate("window.sandboxPaused = true")  # bob's screen still shows the Claim button
    first.get_by_role("button", name="Claim").click()
    expect(first).to_contain_text("Claimed by @alice")
    card(bob, "@maria_k").get_by_role("button", name="Claim").click()
    bob.evaluate("window.sandboxPaused = false")
    refused = bob.get_by_test_id("ephemeral").filter(has_text="Already claimed by @alice")
    expect(refused).to_be_visible()
    expect(card(bob, "@maria_k")).to_contain_text("Claimed by @alice")
    shoot(bob, shots, "claim-collision")

    first.get_by_role("button", name="Acknowledge publicly").click()
    modal = alice.get_by_test_id("modal")
    expect(modal).to_contain_text("Reply on X")
    shown = modal.get_attribute("data-view") or ""
    modal.locator("select").first.select_option(index=1)  # the first template: Squeaky redraws the modal with it
    expect(modal).not_to_have_attribute("data-view", shown)
    expect(modal.locator("textarea")).not_to_have_value("")
    shoot(alice, shots, "reply-modal")
    modal.get_by_test_id("submit").click()
    expect(modal).to_be_hidden()
    reply = alice.get_by_test_id("x").get_by_test_id("tweet").filter(has_text="@maria_k").first
    expect(reply.get_by_test_id("tweet").filter(has_text="@SqueakyAir")).to_be_visible()
    expect(first).to_contain_text("Replied publicly")

    first.get_by_role("button", name="Move to ticket").click()
    expect(modal).to_contain_text("Move to a ticket")
    expect(modal.locator("input").first).not_to_have_value("")  # the subject comes prefilled
    modal.get_by_test_id("submit").click()
    expect(modal).to_be_hidden()
    expect(first).to_contain_text("Ticket SQ-1")
    shoot(alice, shots, "card-handled")

    lea = open_as(browser, url, "U0LEA")
    handled = card(lea, "@maria_k")
    handled.locator("select").select_option(label="Reassign…")  # a lead hands alice's case to bob
    lead_modal = lea.get_by_test_id("modal")
    expect(lead_modal).to_contain_text("Reassign")
    lead_modal.locator("select").select_option(label="bob (agent)")
    lead_modal.get_by_test_id("submit").click()
    expect(lead_modal).to_be_hidden()
    expect(handled).to_contain_text("@bob")
    lea.get_by_test_id("command").fill("/squeaky stats today public")
    lea.get_by_test_id("command").press("Enter")
    expect(lea.get_by_test_id("answer").filter(has_text="Stats for today")).to_be_visible()
    chart = lea.get_by_test_id("channel").get_by_test_id("image").last
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    shoot(lea, shots, "stats-and-chart")
    lea.get_by_test_id("home-tab").click()
    expect(lea.get_by_test_id("home")).to_contain_text("the care team today")
    expect(lea.get_by_test_id("home").locator("img")).to_be_visible()
    shoot(lea, shots, "home-tab")
    seen = {
        "chart_loaded": lea.evaluate("img => img.naturalWidth", chart.element_handle()),
        "not_rendered": alice.get_by_test_id("not-rendered").count(),
    }
    return seen
