"""The private conversation in the sandbox page, walked in a browser: alice moves Maria's case to DMs, Maria answers
privately on X, her answer joins the card's thread and shows in the X column's direct messages, the case moves to a
ticket that carries the conversation, and alice answers privately from the card. `make screenshots` saves the page
at the end as docs/screenshots/private-conversation.png."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from sandbox.journey import card, open_as, shoot
from sandbox.x_api import LocalX

SHOT = "private-conversation"
ANSWER = "Thanks! Booking ref QX7PLM. I'm at gate B12 now."
OURS = "Thank you Maria: you're rebooked on SQ214 at 18:05, seat 4A. The meal voucher follows here."


def maria_writes(x: LocalX) -> Callable[[str], None]:
    """Maria's direct message to the brand on the local X (a running ingest reads it)."""

    def write(text: str) -> None:
        x.dms.add_event(x.add_user("maria_k"), x.dms.brand_id, text)

    return write


def run(browser: Browser, url: str, shots: Path | None, answer: Callable[[str], None], timeout: float = 30_000) -> Page:
    """Walk the private conversation as alice, Maria answering privately through `answer`; return the tab."""
    expect.set_options(timeout=timeout)
    page = open_as(browser, url, "U0ALICE")
    maria = card(page, "@maria_k")
    maria.get_by_role("button", name="Claim").click()
    expect(maria).to_contain_text("Claimed by @alice")
    maria.get_by_role("button", name="Move to DMs").click()
    expect(maria).to_contain_text("Moved to DMs")
    dms = page.get_by_test_id("x-private")
    expect(dms.get_by_test_id("dm").filter(has_text="care team about case")).to_be_visible()

    answer(ANSWER)  # Maria answers, privately
    expect(maria.get_by_test_id("thread")).to_contain_text("QX7PLM")
    maria.get_by_role("button", name="Move to ticket").click()
    modal = page.get_by_test_id("modal")
    expect(modal).to_contain_text("Move to a ticket")
    modal.get_by_test_id("submit").click()
    expect(modal).to_be_hidden()
    expect(maria).to_contain_text("Ticket SQ-1 in Squeaky")

    maria.get_by_role("button", name="Reply privately").click()
    expect(modal).to_contain_text("alone")
    modal.locator("textarea").fill(OURS)
    modal.get_by_test_id("submit").click()
    expect(modal).to_be_hidden()
    expect(dms.get_by_test_id("dm").filter(has_text="rebooked on SQ214")).to_be_visible()
    expect(maria.get_by_test_id("thread")).to_contain_text("answered the customer privately")
    maria.scroll_into_view_if_needed()
    dms.scroll_into_view_if_needed()
    shoot(page, shots, SHOT)
    return page
