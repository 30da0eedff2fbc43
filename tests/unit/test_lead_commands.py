"""The team command: parsing, help for every bad input, who may change what, and the settings it changes."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.cases.errors import InvalidRequest
from handlers.domain.complaint import Actor, Role
from handlers.domain.people import Identity
from handlers.domain.rich_text import Line, Mention
from handlers.domain.sla import SlaPolicy
from handlers.ports.clock import ManualClock
from handlers.team.command_answers import LeadDesk
from handlers.team.command_words import USAGE, Help, parse
from handlers.team.stats import MAX_RANGE, parse_period, served_order
from handlers.team.words.common import CommandError
from handlers.team.words.oncall import OnCall
from handlers.team.words.reports import Backlog, Export, Stats
from handlers.team.words.service_levels import Sla
from handlers.team.words.vip import Vip
from tests.fakes import FakeDatabase
from tests.lead_words import argument, command_lines

T0 = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # a Monday
AGENT = Actor("U0MARIA", "maria", "slack")
LEAD = Actor("U0LEA", "lea", "slack", frozenset({Role.AGENT, Role.LEAD}))
OUTSIDER = Actor("U0EVE", "eve", "slack", frozenset())
FUZZ = settings(
    max_examples=int(os.environ.get("SQUEAKY_FUZZ_EXAMPLES", "300")),
    deadline=None,
    derandomize="SQUEAKY_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help stats", Help("stats")),
        ("stats", Stats()),
        ("stats 7d by agent public", Stats("7d", "agent", True)),
        ("stats by TIER 2026-11-01..2026-11-07", Stats("2026-11-01..2026-11-07", "tier")),
        ("backlog", Backlog()),
        ("vip add @jane_doe", Vip("add", "jane_doe", "vip")),
        ("vip add jane elite", Vip("add", "jane", "elite")),
        ("vip remove @jane", Vip("remove", "jane")),
        ("vip add bsky:@Ann.bsky.social gold", Vip("add", "bsky:ann.bsky.social", "gold")),
        ("vip add mastodon:@ann@mastodon.social", Vip("add", "mastodon:ann@mastodon.social", "vip")),
        ("vip import @a,vip; b,elite", Vip("import", rows="@a,vip\n b,elite")),
        ("sla", Sla("show")),
        ("sla set VIP 5 15", Sla("set", "vip", 5, 15)),
        ("sla page elite on", Sla("page", "elite", page=True)),
        ("oncall set @U0LI", OnCall("set", ("U0LI",))),
        (
            "oncall rotation @U1 @U2 @U3 weekly at 09:00 on monday",
            OnCall("rotation", ("U1", "U2", "U3"), "weekly", 9, 0),
        ),
    ],
)
def test_commands_parse(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "subcommand", "reason"),
    [
        ("dance", None, '"dance" is not a subcommand'),
        ("stauts today", None, '"stauts" is not a subcommand. Did you mean stats?'),
        ("bakclog", None, "Did you mean backlog?"),
        ("stats by colour", "stats", "`by` takes one of agent, tier, topic, source"),
        ("stats 7d 30d", "stats", "I don't know what `30d` means here"),
        ("sla set vip soon", "sla", "the time to claim must be a whole number"),
        ("sla set vip 0", "sla", "between 1 and 10080"),
        ("vip add", "vip", "say add, remove, list or import"),
        ("vip add @not-a-handle!", "vip", "is not a handle: @name on X, bsky:@name"),
        ("oncall set maria", "oncall", "`maria` is not a person"),
        ("oncall rotation @U1 weekly", "oncall", "two or more people"),
        ("oncall rotation @U1 @U2 weekly at 25:00", "oncall", "`25:00` is not an hour"),
        ("backlog now", "backlog", "takes only `queue NAME` and `public`"),
    ],
)
def test_bad_input_names_what_is_wrong_and_which_help_to_show(text: str, subcommand: str | None, reason: str) -> None:
    with pytest.raises(CommandError) as raised:
        parse(text)
    assert raised.value.subcommand == subcommand and reason in raised.value.reason


@pytest.fixture
def desk() -> LeadDesk:
    return LeadDesk(
        FakeDatabase(), ManualClock(T0), timezone="Europe/Berlin", fallback_on_call=Identity("slack", "U0DEFAULT")
    )


def test_a_bad_subcommand_gets_its_help_and_never_a_trace(desk: LeadDesk) -> None:
    answer = desk.run(AGENT, "sla set vip quickly")
    assert answer.refused and answer.title.startswith("Sorry: the time to claim")
    assert answer.lines[0].startswith("sla show | sla set TIER") and "e.g. sla set vip 5 15" in answer.lines


def test_only_the_care_team_may_read_and_only_leads_may_change(desk: LeadDesk) -> None:
    assert "for the care team" in desk.run(OUTSIDER, "sla show").title
    refused = desk.run(AGENT, "sla set vip 3")
    assert refused.refused and "Only team leads" in refused.title
    assert not desk.run(AGENT, "sla show").refused
    db = desk.uow_factory
    assert isinstance(db, FakeDatabase)
    assert [(e.actor.id, e.action) for e in db.state.audit] == [
        ("U0EVE", "refused:command"),
        ("U0MARIA", "refused:command"),
    ]
    assert db.state.sla == {}


def test_a_lead_sets_service_levels_and_each_change_is_audited(desk: LeadDesk) -> None:
    answer = desk.run(LEAD, "sla set vip 3 10")
    assert answer.lines == ("vip: claim within 3 min, acknowledge within 10 min, pages on-call on arrival",)
    desk.run(LEAD, "sla set gold 20")
    desk.run(LEAD, "sla page standard on")
    db = desk.uow_factory
    assert isinstance(db, FakeDatabase)
    assert db.state.sla["vip"] == SlaPolicy("vip", 3, 10, True)
    assert db.state.sla["standard"].page_on_arrival
    assert db.state.sla["gold"] == SlaPolicy("gold", 20, 240, False)  # a new tier starts from standard's
    assert [e.action for e in db.state.audit] == ["settings:sla.set", "settings:sla.set", "settings:sla.page"]
    assert "The time to acknowledge cannot be shorter" in desk.run(LEAD, "sla set vip 30 10").title


def test_vip_add_list_remove_and_import(desk: LeadDesk) -> None:
    desk.run(LEAD, "vip add @Jane_Doe")
    desk.run(LEAD, "vip import handle,tier; @acme_ceo,elite; @bad name,vip; @x,platinum")
    listed = desk.run(AGENT, "vip list")
    assert listed.lines == ("@acme_ceo: elite", "@jane_doe: vip")
    imported = desk.run(LEAD, "vip import @y,platinum")
    assert imported.title == "Imported 0 customer(s)" and "platinum" in imported.lines[0]
    desk.run(LEAD, "vip remove @jane_doe")
    assert desk.run(AGENT, "vip list").lines == ("@acme_ceo: elite",)
    assert "not a tier" in desk.run(LEAD, "vip add @z platinum").title


def test_vip_handles_are_per_network(desk: LeadDesk) -> None:
    answer = desk.run(LEAD, "vip add bsky:@ann.bsky.social elite")
    assert answer.title.startswith("bsky:@ann.bsky.social is now elite")
    desk.run(LEAD, "vip import mastodon:@ann@mastodon.social,vip; ann.bsky.social,vip")
    assert desk.run(AGENT, "vip list").lines == (
        "@ann.bsky.social: vip",  # the same name on X is another customer
        "bsky:@ann.bsky.social: elite",
        "mastodon:@ann@mastodon.social: vip",
    )


def test_oncall_show_set_and_rotation(desk: LeadDesk) -> None:
    assert desk.run(AGENT, "oncall").lines == (Line.of("On call now: ", Mention("U0DEFAULT")),)
    li = {"U0LI": Identity("slack", "U0LI", "li")}
    assert desk.run(LEAD, "oncall set @U0LI", li).lines == (Line.of("On call now: ", Mention("li")),)
    assert "is not a person" in desk.run(LEAD, "oncall set @U0SOMEONE", li).title  # a word, not a mention
    both = {"U1": Identity("slack", "U1"), "U2": Identity("slack", "U2")}
    answer = desk.run(LEAD, "oncall rotation @U1 @U2 weekly at 10:00 on monday", both)
    # 08:30 UTC on Monday is 09:30 in Berlin, before the 10:00 hand-off: U1 has the week that began last Monday.
    assert answer.lines == (
        Line.of("On call now: ", Mention("U1")),
        Line.of("Rotation (weekly): ", Mention("U1"), ", ", Mention("U2")),
        "Next hand-off: Mon 23 Nov 10:00 (Europe/Berlin)",
    )


SQL_ONLY = ("stats", "backlog", "export", "queue", "queues", "next", "forget")  # the e2e fuzz runs these on SQL


@FUZZ
@given(line=command_lines(tuple(s for s in USAGE if s not in SQL_ONLY)) | st.lists(argument, max_size=6).map(" ".join))
def test_every_lead_command_answers_every_argument(line: str) -> None:
    desk = LeadDesk(FakeDatabase(), ManualClock(T0), timezone="Europe/Berlin")
    mentions = {"U1": Identity("slack", "U1"), "U2": Identity("slack", "U2")}
    answer = desk.run(LEAD, line, mentions)  # never raises: an answer, or a refusal saying why
    assert answer.title and (not answer.refused or answer.title.startswith("Sorry: "))


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("sla set vip ²", "the time to claim must be a whole number of minutes"),
        ("sla set vip 5 99999999999999999999999", "between 1 and 10080"),
        ("assign set care off cap ١٢", "the cap is `cap N`, N from 1 to 50"),
        ("move #² care", "say move, the case number"),
        ("move #999999999999999999 care", "#999999999999999999 was not found"),
        ("hours set care mon 09:00-17:00 in " + "a" * 300, "is not a time zone"),
        ("hours set care mon ١٢:00-17:00", "is not opening hours like 09:00-17:30"),
        ("oncall rotation @U1 @U2 daily at ١٢", "is not an hour"),
    ],
)
def test_numbers_of_other_scripts_and_out_of_range_are_refused_clearly(desk: LeadDesk, line: str, said: str) -> None:
    answer = desk.run(LEAD, line, {"U1": Identity("slack", "U1"), "U2": Identity("slack", "U2")})
    assert answer.refused and said in answer.title


@FUZZ
@given(line=command_lines(SQL_ONLY))
def test_the_statistics_commands_read_every_argument_before_any_arithmetic(line: str) -> None:
    try:
        request = parse(line)
        if isinstance(request, Stats | Export):
            period = parse_period(request.period, T0, "Europe/Berlin")
            assert period.start < period.end and period.end - period.start <= MAX_RANGE
    except (CommandError, InvalidRequest) as refused:
        assert str(refused)


@pytest.mark.parametrize("sub", ["stats", "stats fairness", "export"])
@pytest.mark.parametrize("period", ["1900-01-01..9999-12-31", "9999-12-31..9999-12-31", "0001-01-01..0001-01-01"])
def test_a_period_at_the_calendars_ends_is_refused_or_answered_never_an_error(
    desk: LeadDesk, sub: str, period: str
) -> None:
    request = parse(f"{sub} {period}")
    assert isinstance(request, Stats | Export)
    if period.startswith("1900"):
        with pytest.raises(InvalidRequest, match="at most a year long"):
            parse_period(request.period, T0, "Europe/Berlin")
    else:
        with pytest.raises(InvalidRequest, match="off the calendar Squeaky counts in: 1970-01-01 to 9999-12-30"):
            parse_period(request.period, T0, "Europe/Berlin")
    last = parse_period("9999-12-30..9999-12-30", T0, "Pacific/Kiritimati")  # the latest day there is, at UTC+14
    assert last.end - last.start == timedelta(days=1) and last.label == "9999-12-30 to 9999-12-30"


def test_served_order_counts_the_pairs_of_equal_priority_served_out_of_the_customers_order() -> None:
    at = [T0 + timedelta(minutes=n) for n in range(6)]
    served = [(0, at[0], at[3]), (0, at[1], at[2]), (0, at[2], at[4]), (30, at[3], at[1]), (0, at[2], at[5])]
    order = served_order(served)
    # priority 0: posted 0,1,2,2 claimed 3,2,4,5 -> pairs with different posting times: 5; out of order: (0,1)
    assert (order.cases, order.pairs, order.out_of_order) == (5, 5, 1)
    in_turn = [(0, at[n], at[n] + timedelta(minutes=1)) for n in range(6)]
    assert served_order(in_turn).out_of_order == 0 and served_order(in_turn).pairs == 15
    backwards = [(0, at[n], at[5 - n] + timedelta(minutes=9)) for n in range(6)]  # the control: last come, first
    assert served_order(backwards).share_out == 1.0
