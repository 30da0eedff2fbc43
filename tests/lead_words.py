"""What a lead might type, or mistype, after `/squeaky`: hypothesis strategies the unit and e2e fuzz tests share."""

from __future__ import annotations

from hypothesis import strategies as st

from handlers.team.command_words import USAGE

__all__ = ["USAGE", "argument", "command_lines"]

# Arguments a lead might type, or mistype: dates at the calendar's ends, numbers too big for any column, digits of
# other scripts, unknown words, and the words each subcommand knows, in any order.
CALENDAR_ENDS = ["0001-01-01", "1900-01-01", "1970-01-01", "2026-02-29", "2026-11-23", "9999-12-31", "10000-01-01"]
numbers = st.integers(-(10**30), 10**30).map(str) | st.sampled_from(["0", "-1", "1e9", "9" * 40, "²", "١٢", "Ⅻ"])
dates = st.sampled_from(CALENDAR_ENDS) | st.dates().map(lambda d: d.isoformat())
ranges = st.tuples(dates, dates).map(lambda pair: f"{pair[0]}..{pair[1]}")
times = st.sampled_from(["09:00", "24:00", "23:59", "99:99", "9", "-1:00", "09:00-17:00", "00:00-24:00", "17:00-09:00"])
known = st.sampled_from(
    ["today", "24h", "7d", "30d", "by", "agent", "tier", "queue", "care", "public", "fairness", "add", "remove",
     "list", "import", "show", "set", "page", "on", "off", "always", "holiday", "rotation", "daily", "weekly", "at",
     "cap", "round-robin", "least-loaded", "confirm", "vip", "elite", "standard", "mon-fri", "in", "Europe/Berlin",
     "Etc/GMT+14", "../../etc/passwd", "@U1", "@U2", "@jane", "#1", "#" + "9" * 30, "monday"]
)  # fmt: skip
argument = known | numbers | dates | ranges | times | st.text(min_size=1, max_size=30).filter(lambda w: not w.isspace())


EXAMPLES = [example.split() for _, examples in USAGE.values() for example in examples]


@st.composite
def command_lines(draw: st.DrawFn, subcommands: tuple[str, ...]) -> str:
    """A subcommand's documented example with some of its words replaced, or more added: deep paths are reached."""
    words = list(draw(st.sampled_from([e for e in EXAMPLES if e[0] in subcommands])))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(1, len(words)))
        words[at : at + draw(st.integers(0, 1))] = [draw(argument)]
    return " ".join(words)
