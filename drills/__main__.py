"""`python -m drills [--short] [--minute S] [--posts N] [--agents N] [--write FILE]`: run the drills and print their
table (with --write, also into FILE with the machine it ran on)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import machine
from drills.faults import FAULTS, SHORT
from drills.run import Plan, run
from drills.table import table
from drills.traffic import source_file

INTRO = """# Drills

`make drills` (`python -m drills`) starts the real deployment on its own PostgreSQL and Redis: `python -m bot
migrate`, two `web`, three `worker` and one `ingest` process, with the local Slack, X and Zendesk. Complaints
stream in as mentions on the local X all along, and agents claim, reply publicly and open tickets through signed
Slack requests, while one fault at a time is injected. After each drill everything is counted where it landed.

Columns: *posts* tweeted during the drill; *unread* never stored; *cards lost/twice* cases with no card or more
than one; *replies*, *tickets* decided, and of those lost (never landed) or landed twice; *claims kept* claims the
agents saw won that the database still holds; *jobs back* seconds from the dependency's return to the slowest
short periodic job's next pass; *recovered* seconds from the dependency's return (or the kill) until the first
complaint tweeted after it is stored and a card is posted again, with no human step; *probe card* seconds
to that complaint's own card (it waits its turn behind the channel's backlog: about one card a second per
channel); *thread lines twice* lines shown twice in cards' threads
(a kill -9 in the middle of that one call can do it: the worker taking the line over cannot know it landed).
*met*: 0 lost, 0 doubled, every claim kept, jobs and recovery within 10 s.
"""


def main(argv: list[str] | None = None) -> int:
    """Run the drills; 0 when every one met its targets."""
    parser = argparse.ArgumentParser(prog="python -m drills", description=__doc__)
    parser.add_argument("--short", action="store_true", help="the CI form: a worker killed, Redis restarted empty")
    parser.add_argument("--minute", type=float, default=60.0, help="how long 'a minute' of an outside failure lasts")
    parser.add_argument("--posts", type=int, default=50, help="complaints tweeted per drill")
    parser.add_argument("--agents", type=int, default=6, help="agents clicking in Slack")
    parser.add_argument("--only", default=None, help="run only the drills whose name holds this")
    parser.add_argument("--write", type=Path, default=None, help="also write the table to this file")
    args = parser.parse_args(argv)
    faults = [f for f in (SHORT if args.short else FAULTS) if args.only is None or args.only.lower() in f.name.lower()]
    plan = Plan(posts_per_drill=args.posts, agents=args.agents, minute=args.minute)
    tallies, deployment = run(faults, plan, progress=lambda line: print(line, flush=True))
    printed = table(tallies)
    print(printed)
    if args.write is not None:
        where = f"Machine: {machine.describe()}. Complaints: {source_file().name}; {args.posts} per drill, "
        where += f"{args.agents} agents; a minute of failure lasted {args.minute:.0f} s."
        args.write.write_text(f"{INTRO}\n{where}\n\n{printed}\n")
    print(f"logs: {deployment.workdir}", file=sys.stderr)
    return 0 if all(t.clean for t in tallies) else 1


if __name__ == "__main__":
    sys.exit(main())
