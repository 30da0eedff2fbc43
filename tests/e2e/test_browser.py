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
from sandbox import journey, private_tour, teams_journey, tour
from sandbox.teams_activities import TeamsPerson
from sandbox.teams_api import LocalTeams
from sandbox.teams_view import TeamsView
from sandbox.workspace import LEADS_GROUP, PEOPLE, SandboxWorkspace
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start, teams_settings

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.alone]

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


def test_the_private_conversation_shows_beside_the_public_one_in_a_real_browser(sandbox: tuple[Running, str]) -> None:
    squeaky, url = sandbox

    def maria_answers(text: str) -> None:  # privately on X, read by one poll as the ingest process reads it
        private_tour.maria_writes(squeaky.x)(text)
        poll_once(squeaky.services, x_read_client(squeaky.settings))

    with playwright_api.sync_playwright() as playwright:
        browser = journey.launch(playwright)
        try:
            page = private_tour.run(browser, url, None, maria_answers)
            dms = page.get_by_test_id("x-private")
            [conversation] = dms.get_by_test_id("conversation").all()
            said = [
                (line.get_attribute("class"), line.inner_text()) for line in conversation.get_by_test_id("dm").all()
            ]
            assert [who for who, _text in said] == ["dm ours", "dm", "dm ours"]  # ours on the right
            assert private_tour.ANSWER in said[1][1] and private_tour.OURS in said[2][1]
            assert private_tour.ANSWER not in page.get_by_test_id("x").inner_text()  # never on the public side
        finally:
            browser.close()
    assert [m["text"] for m in squeaky.x.dms.sent][-1] == private_tour.OURS and squeaky.x.posted == []


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


@pytest.fixture
def tour_sandbox(start_squeaky: Start, local_teams: LocalTeams) -> Iterator[tuple[Running, str]]:
    """What `make run` shows: Slack and Teams, Maria's and Tom's complaints."""
    lead = TeamsPerson.named("lea").aad_object_id
    squeaky = start_squeaky(
        **teams_settings(local_teams, slack=True, teams_leads=[lead]), slack_leads_group=LEADS_GROUP
    )
    squeaky.services.settings.public_url = squeaky.url
    view = TeamsView(local_teams, f"{squeaky.url}/api/messages", {p.id: p.name for p in PEOPLE})
    workspace = SandboxWorkspace(
        squeaky.slack, squeaky.x, squeaky.events_url, SIGNING_SECRET, channel=CHANNEL, teams=view
    )
    url = workspace.start()
    squeaky.x.add_user("maria_k", "Maria K.")
    squeaky.x.add_tweet("maria_k", "@SqueakyAir flight SQ212 cancelled at the gate. I miss my connection in Lisbon!")
    squeaky.x.add_user("tomvdb", "Tom van den Berg")
    squeaky.x.add_tweet("tomvdb", "@SqueakyAir my suitcase never made it to Oslo. File ref OSL-48213")
    squeaky.x.add_user("priya_travels", "Priya")
    squeaky.x.add_tweet("priya_travels", "@SqueakyAir charged twice for seat selection on booking QX7PLM")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    yield squeaky, url
    workspace.stop()


def test_the_readme_tour_step_by_step_in_one_tab_then_the_page_behaves_as_slack_and_teams(
    tour_sandbox: tuple[Running, str],
) -> None:
    squeaky, url = tour_sandbox
    expect = playwright_api.expect
    with playwright_api.sync_playwright() as playwright:
        browser = journey.launch(playwright)
        try:
            page = tour.walk(browser, url)
            assert tour.seen(page)["not_rendered"] == 0
            # Teams opens on its newest message, and an answer typed there is scrolled into view
            page.get_by_test_id("teams-message").fill("@Squeaky stats today")
            page.get_by_test_id("teams-message").press("Enter")
            newest = page.get_by_test_id("teams-channel").get_by_test_id("teams-post").last
            expect(page.get_by_test_id("teams-channel")).to_contain_text("Stats for today")
            expect(newest).to_be_in_viewport()
            # a Teams dialog closes with Esc, and a reload does not bring it back
            tour.be(page, "bob")
            priya = teams_journey.post(page, "QX7PLM")
            teams_journey.button(priya, "Claim").click()
            expect(priya).to_contain_text("Claimed by bob")
            teams_journey.button(priya, "Move to ticket").click()
            expect(page.get_by_test_id("teams-dialog")).to_be_visible()
            page.keyboard.press("Escape")
            expect(page.get_by_test_id("teams-dialog")).to_be_hidden()
            teams_journey.button(priya, "Move to ticket").click()
            expect(page.get_by_test_id("teams-dialog")).to_be_visible()
            page.reload()
            expect(teams_journey.post(page, "QX7PLM")).to_be_visible()
            page.wait_for_timeout(1500)  # several refreshes: the dialog stays closed
            expect(page.get_by_test_id("teams-dialog")).to_be_hidden()

            page.get_by_test_id("tool-slack").click()
            tour.be(page, "alice")
            tom = tour.card(page, "Tom van den Berg")
            # a modal closes with Esc, and with its close button; left open, a reload does not bring it back
            tom.get_by_role("button", name="Move to ticket").click()
            expect(page.get_by_test_id("modal")).to_be_visible()
            page.keyboard.press("Escape")
            expect(page.get_by_test_id("modal")).to_be_hidden()
            tom.get_by_role("button", name="Move to ticket").click()
            page.get_by_test_id("close-modal").click()
            expect(page.get_by_test_id("modal")).to_be_hidden()
            tom.get_by_role("button", name="Move to ticket").click()
            expect(page.get_by_test_id("modal")).to_be_visible()
            page.reload()
            expect(tour.card(page, "Tom van den Berg")).to_be_visible()
            page.wait_for_timeout(1500)  # several refreshes: the modal stays closed
            expect(page.get_by_test_id("modal")).to_be_hidden()

            # a form's error goes once the field it names is changed, as in Slack
            tom.get_by_role("button", name="Acknowledge publicly").click()
            reply_form = page.get_by_test_id("modal")
            reply_form.locator("textarea").fill("")
            reply_form.get_by_test_id("submit").click()
            expect(reply_form.get_by_test_id("modal-error")).to_contain_text("Write the public reply first")
            reply_form.locator("textarea").press_sequentially("Hi Tom")
            expect(reply_form.get_by_test_id("modal-error")).to_have_count(0)
            page.keyboard.press("Escape")
            expect(reply_form).to_be_hidden()

            # the message box: a message posts in the channel; an unknown command is answered, privately
            page.get_by_test_id("command").fill("Taking the Lisbon ones")
            page.get_by_test_id("command").press("Enter")
            expect(page.get_by_test_id("channel").get_by_test_id("message").last).to_contain_text(
                "Taking the Lisbon ones"
            )
            page.get_by_test_id("command").fill("/sqeaky stats")
            page.get_by_test_id("command").press("Enter")
            unknown = page.get_by_test_id("answer").filter(has_text="/sqeaky is not a valid command")
            expect(unknown).to_be_visible()
            page.get_by_test_id("command").fill("/squeaky stauts")
            page.get_by_test_id("command").press("Enter")
            guessed = page.get_by_test_id("answer").filter(has_text="Did you mean stats?")
            expect(guessed).to_be_visible()
            # private messages have Dismiss, as in Slack
            unknown.get_by_test_id("dismiss").click()
            expect(unknown).to_have_count(0)
        finally:
            browser.close()
    [reply] = squeaky.x.posted
    assert "so sorry about SQ212" in reply["text"]
