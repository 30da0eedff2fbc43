"""The sandbox page in a real browser (Playwright driving Debian's Chromium) against the real Bolt app, PostgreSQL
and Redis: the whole journey a newcomer takes, with two agents and a lead."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import playwright.sync_api as playwright_api  # a dev requirement: missing, the suite fails here (never skips)
import pytest

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from sandbox import journey
from sandbox.workspace import LEADS_GROUP, SandboxWorkspace
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

if shutil.which(journey.CHROMIUM) is None and not os.path.exists(journey.CHROMIUM):
    pytest.fail(f"{journey.CHROMIUM} is missing: install Debian's chromium (.ci/run does)", pytrace=False)


@pytest.fixture
def sandbox(start_squeaky: Start) -> Iterator[tuple[Running, str]]:
    squeaky = start_squeaky(slack_leads_group=LEADS_GROUP)
    workspace = SandboxWorkspace(squeaky.slack, squeaky.x, squeaky.events_url, SIGNING_SECRET, channel=CHANNEL)
    url = workspace.start()
    squeaky.x.add_user("maria_k", "Maria K.")
    squeaky.x.add_tweet("maria_k", "@SqueakyAir flight SQ212 cancelled at the gate. I miss my connection in Lisbon!")
    squeaky.x.add_tweet("mallory", "@SqueakyAir <!channel> log in at <http://evil.example|squeakyair.com> *now*")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    yield squeaky, url
    workspace.stop()


def test_claim_collision_reply_ticket_and_the_leads_chart_in_a_real_browser(sandbox: tuple[Running, str]) -> None:
    squeaky, url = sandbox
    with playwright_api.sync_playwright() as playwright:
        browser = journey.launch(playwright)
        try:
            seen = journey.run(browser, url)
            page = journey.open_as(browser, url, "U0BOB")
            hostile = journey.card(page, "@mallory")
            playwright_api.expect(hostile).to_contain_text("<!channel> log in at <http://evil.example|squeakyair.com>")
            assert hostile.locator(".mention").count() == 0 and hostile.locator("a[href*='evil']").count() == 0
        finally:
            browser.close()
    assert seen["chart_loaded"] > 0  # the PNG Squeaky uploaded was served and decoded by the browser
    assert seen["not_rendered"] == 0  # every Block Kit element Squeaky sends is rendered
    [reply] = squeaky.x.posted
    assert "DM us" in reply["text"]  # the template's text went to X
    assert len(squeaky.slack.calls_to("files.completeUploadExternal")) >= 2  # the stats chart and the Home chart
