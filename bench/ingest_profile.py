"""Where the ingest pipeline's time goes: a profile taken by hand, kept beside the ingest figures (a profile is not
re-taken by `python -m bench`; the notes say when and at which commit it was)."""

from __future__ import annotations

NOTES = """Where the pipeline's time goes (py-spy, 250 samples a second, over `run_pipeline` of 100,000 posts on
a scratch database; seconds of wall time, the process's own work and, as "waiting", the time it sat blocked on
PostgreSQL or Redis; py-spy slows the run a little, so the totals are above the benchmark's):

| part of the pipeline | before (0b5d2c3): 35.2 s | after (4ff328b): 14.9 s |
|---|---|---|
| waiting on PostgreSQL and Redis | 21.8 s (62%) | 3.1 s (21%) |
| outbox rows (`fan_out.send`, one INSERT of column arrays) | 2.0 s (6%) | 1.1 s (7%) |
| array parameters written (psycopg's list dumper) | 1.6 s (5%) | 0.3 s (2%) |
| COPY of complaints and messages (`copy_rows`) | 1.4 s (4%) | 1.4 s (9%) |
| triage of new cases (`_triage_all`: topics, priority, near-duplicate keys) | 1.5 s (4%) | 1.3 s (8%) |
| threading look-ups (`thread_index`), the process's own part | 1.3 s (4%) | 0.6 s (4%) |
| surge counting (`_storming`) | 1.0 s (3%) | 1.0 s (7%) |
| stream codec (`to_entry`, `from_entry`) | 0.8 s (2%) | 0.8 s (6%) |
| dataclass constructors (posts, messages, cases, outbox rows) | 0.8 s (2%) | 0.9 s (6%) |
| the benchmark's own copies of the corpus's posts (`post_chunks`) | 0.7 s (2%) | 0.8 s (5%) |
| dedupe in Redis (`seen`, `remember`) | 0.7 s (2%) | 0.4 s (3%) |

Before, nearly all the waiting was threading's look-up of private conversations: no index, so every batch of 500
posts scanned every complaint (cProfile: 18.9 s of 43.7 s in `thread_index`), slower as the table grew. That column
now has a partial index (migration 0022); array parameters are written in one join instead of two regular
expressions per element; dedupe asks its day buckets in one script that answers only the keys found. What is left is
spread thin: no part above a tenth, the COPY and the outbox INSERT being the very writes the floor makes too.

At 0b5d2c3 this benchmark printed 2,959 posts/s against a floor of 15,866 (0.19); the 0.35 of 2026-12-07 (9,408
against 26,808) was measured before threading looked up private conversations. The ratio is what compares runs:
the machine is shared, and both figures move with its load."""
