"""The short drill, as CI runs it: the real deployment (migrate, two web, three worker and one ingest processes) on
its own PostgreSQL and Redis with the local Slack, Teams, X, Bluesky, Mastodon and Zendesk, complaints streaming in
on the three networks and agents claiming, replying and opening tickets through signed Slack requests and Teams
invokes, while a worker is killed with SIGKILL and then Redis is killed, kept down across the start of every
periodic job, and started again empty: nothing read is lost, no card (in either chat tool), reply or ticket is lost
or sent twice, every click is answered and every periodic job runs again."""

from __future__ import annotations

import pytest

from drills.faults import SHORT
from drills.run import Plan, run
from drills.table import table

pytestmark = [pytest.mark.e2e, pytest.mark.alone]
DRILL_TIMEOUT = 420  # seconds: a bound for a stuck run, not a speed target (about 2.5 min on 2 cores)


@pytest.mark.timeout(DRILL_TIMEOUT)
def test_a_worker_killed_and_redis_restarted_empty_lose_and_repeat_nothing() -> None:
    tallies, _deployment = run(SHORT, Plan(posts_per_drill=15, agents=3, minute=5.0), progress=lambda line: None)
    printed = table(tallies)
    assert [t.drill for t in tallies] == ["worker kill -9", "Redis restart empty"]
    for t in tallies:
        assert t.posts == 15 and t.unread == [], printed
        assert t.cases > 0 and t.cards_lost == [] and t.cards_twice == [], printed
        assert t.teams_cards_lost == [] and t.teams_cards_twice == [], printed
        assert t.replies_lost == [] and t.replies_twice == [], printed
        assert t.tickets_lost == [] and t.tickets_twice == [], printed
        assert t.claims == t.claims_kept, printed
        assert t.clicks > 0 and t.clicks_unanswered == [], printed
        assert t.jobs_back_s is not None, printed  # every short periodic job ran again after Redis came back
    assert sum(t.replies + t.tickets for t in tallies) > 0, printed  # the agents did reply and open tickets
