"""The Teams face's rendering: customer words stay words (no Markdown, no mention, no link), only the core's
mentions become Teams mentions, buttons carry verbs, forms become dialogs, and a lead's message is read as Teams
sends it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from bot.chart_links import CHART_PATH, EXPORT_PATH, chart_link, signed_period
from bot.teams.cards import complaint_card, line_card
from bot.teams.commands import words_of
from bot.teams.dialogs import reply_dialog
from bot.teams.text import mention_name
from bot.x.length import XPostLength
from handlers.cases.card_view import card_for
from handlers.cases.forms import ReplyForm
from handlers.domain.complaint import Actor, Complaint, Status
from handlers.domain.rich_text import Line, Link, Mention, Strong
from handlers.domain.stats import Period

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HOSTILE = "<at>Bob</at> **URGENT** [click](https://evil.example) _x_ &amp; <b>bold</b>"


def complaint(text: str = HOSTILE, **kw: object) -> Complaint:
    return Complaint(
        id=7,
        source="x",
        external_id="100",
        author_id="9",
        author_handle="ann_[x](y)",
        author_name="**Ann** <at>Eve</at>",
        text=text,
        created_at=T0,
        received_at=T0,
        version=1,
        **{"status": Status.NEW, **kw},  # type: ignore[arg-type]
    )


def as_json(card: object) -> dict[str, object]:
    return card.model_dump(by_alias=True, exclude_none=True)  # type: ignore[attr-defined,no-any-return]


def test_customer_words_are_text_runs_never_markdown_or_mentions() -> None:
    card = as_json(complaint_card(card_for(complaint(), T0 + timedelta(minutes=3))))
    body = card["body"]
    assert isinstance(body, list)
    text_blocks = [e for e in body if e["type"] == "TextBlock"]
    assert not text_blocks, "a TextBlock reads Markdown: customer words never go in one"
    runs = [r for e in body if e["type"] == "RichTextBlock" for r in e["inlines"]]
    said = [r["text"] for r in runs]
    assert HOSTILE in said and "**Ann** <at>Eve</at>" in said
    assert not any("selectAction" in r for r in runs if "URGENT" in r["text"])
    assert "entities" not in card["msteams"]  # type: ignore[operator]


def test_buttons_are_execute_verbs_and_forms_open_dialogs() -> None:
    card = as_json(complaint_card(card_for(complaint(), T0)))
    actions = card["actions"]
    assert isinstance(actions, list)
    claim = actions[0]
    assert claim["type"] == "Action.Execute" and claim["verb"] == "claim" and claim["data"] == {"complaint_id": 7}
    more = {a["title"]: a for a in actions[1:]}
    assert more["Dismiss…"]["type"] == "Action.Submit" and more["Dismiss…"]["mode"] == "secondary"
    assert more["Dismiss…"]["data"]["msteams"] == {"type": "task/fetch"}
    assert more["Escalate to on-call"]["verb"] == "escalate"


def test_a_claimed_card_names_its_owner_and_a_refusal_heads_the_clickers_copy() -> None:
    alice = Actor("1", "Alice", "teams", handles={"teams": "29:alice"})
    claimed = complaint(status=Status.CLAIMED, owner=alice, claimed_at=T0)
    card = as_json(complaint_card(card_for(claimed, T0 + timedelta(minutes=2)), notice="Already claimed by Alice"))
    text = json.dumps(card)
    assert "Claimed by " in text and "Alice" in text and "2 min ago" in text
    first = card["body"][0]["inlines"][0]  # type: ignore[index]
    assert first["text"] == "Already claimed by Alice" and first["color"] == "Attention"


def test_only_the_cores_mentions_become_teams_mentions_with_a_clean_name() -> None:
    line = Line.of(
        Mention("Maria <at>x</at> **M**", {"teams": "29:maria"}),
        " is on call: ",
        Strong("#7"),
        " ",
        Link("javascript:alert(1)", "open"),
        " ",
        Link("https://squeaky.example/t/7", "ticket"),
        Mention("Slack Only", {"slack": "U1"}),
    )
    card = as_json(line_card(line))
    assert card["body"][0] == {"type": "TextBlock", "text": "<at>Maria x M</at>", "wrap": True}  # type: ignore[index]
    [entity] = card["msteams"]["entities"]  # type: ignore[index]
    assert entity["mentioned"] == {"id": "29:maria", "name": "Maria <at>x</at> **M**"}
    runs = card["body"][1]["inlines"]  # type: ignore[index]
    links = [r for r in runs if "selectAction" in r]
    assert [r["selectAction"]["url"] for r in links] == ["https://squeaky.example/t/7"]
    assert mention_name("[](*_~`)") == "someone"


def test_the_reply_dialog_counts_as_x_does_and_keeps_the_text() -> None:
    length = XPostLength().measure("x" * 290)
    form = ReplyForm(7, "X", "ann", "my bag", True, "", (), "x" * 290, length, "the way X counts them", 0.015)
    dialog = json.dumps(as_json(reply_dialog(form, "Too long for X")))
    assert "290/280" in dialog and "10 over the limit" in dialog and "Too long for X" in dialog
    assert '"value": "' + "x" * 290 + '"' in dialog and "costs $0.015" in dialog


def test_a_leads_message_is_read_as_teams_sends_it() -> None:
    bot = "00000000-0000-4000-8000-00005ea0b0a7"
    entities = [
        {"type": "mention", "text": "<at>Squeaky</at>", "mentioned": {"id": f"28:{bot}", "name": "Squeaky"}},
        {"type": "mention", "text": "<at>Maria</at>", "mentioned": {"id": "29:maria", "name": "Maria"}},
    ]
    words, mentions = words_of("<at>Squeaky</at> oncall&nbsp;set <at>Maria</at>", entities, bot)
    assert words == "oncall set @m1" and mentions["m1"].external_id == "29:maria"
    assert words_of("<p>stats <b>7d</b></p>", [], bot) == ("stats 7d", {})


def test_a_chart_link_opens_its_period_for_a_day_and_nothing_else() -> None:
    period = Period(T0 - timedelta(days=7), T0, "the last 7 days", "Europe/Berlin")
    for queue in (None, "elite"):
        link = chart_link("https://squeaky.example", "s3cret", period, T0, queue)
        query = {k: v[0] for k, v in parse_qs(link.split("?", 1)[1]).items()}
        assert signed_period("s3cret", CHART_PATH, query, T0) == (period, queue)
        assert signed_period("s3cret", EXPORT_PATH, query, T0) is None  # a chart's signature opens no export
        assert signed_period("other", CHART_PATH, query, T0) is None
        assert signed_period("s3cret", CHART_PATH, query, T0 + timedelta(days=2)) is None
        assert signed_period("s3cret", CHART_PATH, {**query, "start": "0"}, T0) is None
        assert signed_period("s3cret", CHART_PATH, {**query, "queue": "care"}, T0) is None
    now = T0 + timedelta(milliseconds=400)  # "the last 7d" ends mid-second: the link still covers its last arrivals
    link = chart_link("https://squeaky.example", "s3cret", Period(now - timedelta(days=7), now, "7d"), now)
    signed = signed_period("s3cret", CHART_PATH, {k: v[0] for k, v in parse_qs(link.split("?", 1)[1]).items()}, now)
    assert signed is not None and signed[0].end >= now
