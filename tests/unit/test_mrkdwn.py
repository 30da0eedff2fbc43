"""Outside text is inert in Slack: escaping, control characters, and the rendered card."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from bot.slack import action_ids
from bot.slack.answers import answer_message, rich
from bot.slack.blocks import card_blocks, fallback_text
from bot.slack.home import home_view
from bot.slack.mrkdwn import escape, sanitize
from bot.x.rules import XRules
from handlers.cases.card_view import card_for
from handlers.domain.complaint import Actor, Complaint, Status
from handlers.domain.rich_text import Line, Link, Mention, Strong
from handlers.domain.stats import Compliance, Row, StatsReport, Waiting
from handlers.ports.clock import ManualClock
from handlers.team.answers.desk import Answer
from handlers.team.command_answers import Dashboard
from handlers.team.stats import parse_period

HOSTILE = [
    "<!channel> refund me",
    "<!here|here> hello",
    "hey <@U0123ABC> look",
    "see <#C0123|general>",
    "<http://evil.example|yourbank.com> log in",
    "a & b < c > d",
    "&lt;!channel&gt; pre-escaped",
    "<user:U0CEO123> look",  # the shape the core once used to mark people in text
    "<!subteam^S0LEADS> wake up",
]
# What must never come out of outside text in Slack: a mention, a channel or group ping, a link.
PINGS = ("<@", "<!", "<#", "<http", "<mailto")

LEA = Mention("lea", {"slack": "U0LEA"})


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_has_no_slack_markup(text: str) -> None:
    out = escape(text)
    assert "<" not in out and ">" not in out
    assert out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


def test_sanitize_drops_bidi_overrides_and_control_characters() -> None:
    assert sanitize("moc.\u202eknab\u202c ok\x00\x07") == "moc.knab ok"


def test_sanitize_cuts_long_text_without_breaking_an_entity() -> None:
    out = sanitize("a" * 2996 + "<<<<<<", limit=3000)
    assert len(out) <= 3000 and out.endswith("…")
    assert not out[:-1].endswith(("&", "&l", "&lt"))


def test_sanitize_keeps_newlines_and_emoji() -> None:
    assert sanitize("line 1\nline 2 ✈️") == "line 1\nline 2 ✈️"


def _complaint(text: str, name: str = "Ann", handle: str = "ann", url: str | None = None) -> Complaint:
    t = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    return Complaint(1, "x", "7", "9", handle, name, text, t, t, Status.NEW, 1, url=url)


def test_card_renders_hostile_text_inert() -> None:
    card = card_for(_complaint(" ".join(HOSTILE), name="<!channel>", handle="<@U1>"), datetime.now(UTC))
    rendered = json.dumps(card_blocks(card)) + fallback_text(card)
    for needle in ("<!channel", "<!here", "<@U0123ABC>", "<#C0123", "<http://evil", "<@U1>"):
        assert needle not in rendered


def _mrkdwn(tree: object) -> list[str]:
    """Every text Slack parses as mrkdwn (plain_text never makes a mention or a link)."""
    if isinstance(tree, list):
        return [t for item in tree for t in _mrkdwn(item)]
    if not isinstance(tree, dict):
        return []
    found = [tree["text"]] if tree.get("type") == "mrkdwn" else []
    return found + [t for value in tree.values() for t in _mrkdwn(value)]


def _report(hostile: str, now: datetime) -> StatsReport:
    period = parse_period("today", now, "UTC")
    rows = [Row(hostile, received=3, claimed=1)]
    return StatsReport(period, Row(hostile, 3), [Compliance(hostile)], 3, now, [(hostile, 3)], "topic", rows)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_answers_backlog_and_home_render_outside_text_inert(hostile: str) -> None:
    """Everywhere a lead or agent sees customers' words: the backlog, the stats answer, the Home tab."""
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    waiting = (Waiting(7, hostile, hostile, hostile, hostile, 0, now),)
    answer = Answer(
        hostile,
        lines=(hostile, Line.of(hostile, LEA, hostile), Line.of(Mention(hostile, {"slack": hostile}))),
        report=_report(hostile, now),
        waiting=waiting,
    )
    message = answer_message(answer, {7: "https://slack.example/card"}, now)
    dashboard = Dashboard(_report(hostile, now), waiting, ((hostile, 1),), LEA)
    services = SimpleNamespace(clock=ManualClock(now))
    home = home_view(dashboard, {}, services, None)  # type: ignore[arg-type]
    rendered = "\n".join([message["text"], *_mrkdwn(message), *_mrkdwn(home)])
    assert hostile.split()[0] in json.dumps([message, home]) or "&" in hostile  # the words are shown, as text
    rendered = rendered.replace("<@U0LEA>", "").replace("<https://slack.example/card|open card>", "")
    for ping in PINGS:
        assert ping not in rendered, (ping, rendered)
    assert "U0LEA" not in rendered.replace("@U0LEA", "")  # the one real person, only as a mention


def test_card_shows_who_what_when_and_a_claim_button() -> None:
    now = datetime(2026, 11, 22, 9, 3, tzinfo=UTC)
    blocks = card_blocks(card_for(_complaint("lost bag", url="https://x.com/ann/status/7"), now))
    text = json.dumps(blocks)
    assert "*Ann* @ann" in text and "lost bag" in text and "3 min ago" in text
    assert "<https://x.com/ann/status/7|view on X>" in text
    [actions] = [b for b in blocks if b["type"] == "actions"]
    button, more = actions["elements"]
    assert (button["action_id"], button["value"]) == (action_ids.CLAIM, "1")
    assert more["type"] == "overflow" and [o["value"] for o in more["options"]] == [
        "dismiss:1",
        "merge:1",
        "escalate:1",
    ]


def test_unsafe_url_is_not_linked() -> None:
    blocks = card_blocks(card_for(_complaint("x", url="https://x.com/a|evil>"), datetime.now(UTC)))
    assert "view on X" not in json.dumps(blocks)


def test_claimed_card_mentions_the_owner_and_offers_release() -> None:
    t = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    claimed = Complaint(
        1,
        "x",
        "7",
        "9",
        "ann",
        "Ann",
        "x",
        t,
        t,
        Status.CLAIMED,
        2,
        owner=Actor("7", "maria", "slack", handles={"slack": "U0MARIA"}),
        claimed_at=t,
    )
    blocks = card_blocks(card_for(claimed, t))
    text = json.dumps(blocks)
    assert "Claimed by <@U0MARIA>" in text
    buttons = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [action_ids.ACKNOWLEDGE, action_ids.TICKET, action_ids.RELEASE, action_ids.MORE]


def test_a_post_that_does_not_mention_us_says_it_cannot_get_a_public_reply() -> None:
    t = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    found_by_search = Complaint(
        1, "x", "7", "9", "ann", "Ann", "SqueakyAir lost my bag", t, t, Status.NEW, 1, mentions_us=False
    )
    addressed = Complaint(2, "x", "8", "9", "ann", "Ann", "@SqueakyAir lost my bag", t, t, Status.NEW, 1)
    x = XRules(0.015, 0.2)
    shown = [card_blocks(card_for(c, t, reply_allowed=x.reply_allowed(c))) for c in (found_by_search, addressed)]
    assert "no public reply" in json.dumps(shown[0])
    assert "no public reply" not in json.dumps(shown[1])


def test_links_and_bold_words_from_the_core_render_only_as_what_they_are() -> None:
    line = Line.of(
        Link("https://squeaky.example/card?id=7", "open <!here>"),
        " ",
        Strong("<!channel> now"),
        " ",
        Link("javascript:alert(1)|<!everyone>", "<@U0CEO123>"),
    )
    rendered = rich(line)
    assert rendered.startswith("<https://squeaky.example/card?id=7|open &lt;!here&gt;>")
    assert "*&lt;!channel&gt; now*" in rendered
    assert "javascript" not in rendered and "<!everyone>" not in rendered and "<@U0CEO123>" not in rendered
