"""The sandbox's Teams journey in a real browser (Playwright): what the Teams browser test checks and the Teams
screenshots show.

A complaint arrives as an Adaptive Card in the care team's channel; alice claims it; bob,
whose screen had not refreshed, clicks Claim too and his copy of the card says who has it;
alice acknowledges publicly in a dialog, starting from a template, and the reply appears
on the X side; alice moves it to a ticket in another dialog; lea, a team lead, asks
`@Squeaky stats today` in the channel and the answer arrives as a card.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect

from sandbox.journey import VIEWPORT, shoot


def open_as(browser: Browser, url: str, user: str) -> Page:
    """The sandbox page in its Teams view, as one of its people."""
    page = browser.new_context(viewport=VIEWPORT).new_page()  # type: ignore[arg-type]
    page.goto(f"{url}/?as={user}&tool=teams")
    return page


def post(page: Page, text: str) -> Locator:
    """The channel post whose card contains `text`."""
    return page.get_by_test_id("teams-channel").get_by_test_id("teams-post").filter(has_text=text).first


def button(where: Locator, name: str) -> Locator:
    """An Adaptive Card button by its title."""
    return where.locator("button.ac-pushButton").filter(has_text=name).first


def run(browser: Browser, url: str, shots: Path | None = None, timeout: float = 20_000) -> dict[str, Any]:
    """Walk the Teams journey, checking each step as a person would see it; return what was seen."""
    expect.set_options(timeout=timeout)
    alice = open_as(browser, url, "U0ALICE")
    bob = open_as(browser, url, "U0BOB")
    first = post(alice, "@maria_k")
    expect(button(first, "Claim")).to_be_visible()
    expect(button(post(bob, "@maria_k"), "Claim")).to_be_visible()

    bob.evaluate("window.sandboxPaused = true")  # bob's screen still shows the Claim button
    button(first, "Claim").click()
    expect(first).to_contain_text("Claimed by alice")
    # someone who did not click sees the card as the bot updated it: the update is out before bob's stale click,
    # whose answer would otherwise be replaced by it (as in Teams) before his screen shows it
    watcher = open_as(browser, url, "U0LEA")
    expect(post(watcher, "@maria_k")).to_contain_text("Claimed by alice")
    watcher.context.close()
    button(post(bob, "@maria_k"), "Claim").click()
    bob.evaluate("window.sandboxPaused = false")
    expect(post(bob, "@maria_k")).to_contain_text("Already claimed by @alice")
    shoot(bob, shots, "teams-claim-collision")

    button(first, "Acknowledge publicly").click()
    dialog = alice.get_by_test_id("teams-dialog")
    expect(dialog).to_contain_text("characters")
    dialog.locator("select").first.select_option(index=1)  # the first template
    button(dialog, "Use template").click()
    expect(dialog.locator("textarea")).not_to_have_value("")
    shoot(alice, shots, "teams-reply-dialog")
    button(dialog, "Send on").click()
    expect(dialog).to_be_hidden()
    expect(alice.get_by_test_id("teams-note").filter(has_text="on its way")).to_be_visible()
    reply = alice.get_by_test_id("x").get_by_test_id("tweet").filter(has_text="@maria_k").first
    expect(reply.get_by_test_id("tweet").filter(has_text="@SqueakyAir")).to_be_visible()
    expect(first).to_contain_text("Replied publicly")

    button(first, "Move to ticket").click()
    expect(dialog.locator("input").first).not_to_have_value("")  # the subject comes prefilled
    button(dialog, "Create ticket").click()
    expect(dialog).to_be_hidden()
    expect(first).to_contain_text("Ticket SQ-1")
    shoot(alice, shots, "teams-card-handled")

    lea = open_as(browser, url, "U0LEA")
    lea.get_by_test_id("teams-message").fill("@Squeaky stats today")
    lea.get_by_test_id("teams-message").press("Enter")
    answer = post(lea, "Received")
    chart = answer.locator("img")
    expect(chart).to_be_visible()
    lea.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    chart.scroll_into_view_if_needed()
    shoot(lea, shots, "teams-stats")
    return {
        "unrenderable": alice.get_by_test_id("unrenderable").count() + lea.get_by_test_id("unrenderable").count(),
        "chart_loaded": lea.evaluate("img => img.naturalWidth", chart.element_handle()),
    }
