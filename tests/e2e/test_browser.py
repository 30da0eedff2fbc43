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
from sandbox import journey, teams_journey
from sandbox.teams_activities import TeamsPerson
from sandbox.teams_api import LocalTeams
from sandbox.teams_view import TeamsView
from sandbox.workspace import LEADS_GROUP, PEOPLE, SandboxWorkspace
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start, teams_settings

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


@pytest.fixture
def teams_sandbox(start_squeaky: Start, local_teams: LocalTeams) -> Iterator[tuple[Running, str]]:
    """Slack and Teams both on, the sandbox page with its Teams view."""
    lead = TeamsPerson.named("lea").aad_object_id
    squeaky = start_squeaky(
        **teams_settings(local_teams, slack=True, teams_leads=[lead]), slack_leads_group=LEADS_GROUP
    )
    squeaky.services.settings.public_url = squeaky.url  # chart links lead to this Squeaky, once its port is known
    view = TeamsView(local_teams, f"{squeaky.url}/api/messages", {p.id: p.name for p in PEOPLE})
    workspace = SandboxWorkspace(
        squeaky.slack, squeaky.x, squeaky.events_url, SIGNING_SECRET, channel=CHANNEL, teams=view
    )
    url = workspace.start()
    squeaky.x.add_user("maria_k", "Maria K.")
    squeaky.x.add_tweet("maria_k", "@SqueakyAir flight SQ212 cancelled at the gate. I miss my connection in Lisbon!")
    squeaky.x.add_tweet(
        "mallory", "@SqueakyAir <at>alice</at> **now** [log in](http://evil.example) ![](http://evil.example/x.png)"
    )
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    yield squeaky, url
    workspace.stop()


def test_the_teams_journey_in_a_real_browser(teams_sandbox: tuple[Running, str]) -> None:
    squeaky, url = teams_sandbox
    with playwright_api.sync_playwright() as playwright:
        browser = journey.launch(playwright)
        try:
            seen = teams_journey.run(browser, url)
            page = teams_journey.open_as(browser, url, "U0BOB")
            hostile = teams_journey.post(page, "@mallory")
            playwright_api.expect(hostile).to_contain_text("<at>alice</at> **now** [log in](http://evil.example)")
            assert hostile.locator("a[href*='evil']").count() == 0 and hostile.locator("img[src*='evil']").count() == 0
        finally:
            browser.close()
    assert seen["unrenderable"] == 0  # every Adaptive Card element Squeaky sends is rendered
    assert seen["chart_loaded"] > 0  # the card's chart image was served, signed, and decoded by the browser
    [reply] = squeaky.x.posted
    assert "DM us" in reply["text"]
