"""`python -m bench [ingest|clicks|teams|claims|stats|storm|queues|scale|threading|memory|suggestions|topics|all]`:
run the measurements, write results to docs/."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from bench import (
    clicks,
    corpus,
    ingest,
    ingest_growth,
    ingest_profile,
    process_memory,
    queue_storm,
    scale_out,
    scale_report,
    stats,
    storm,
    storm_claims,
    storm_report,
    suggestions,
    teams_clicks,
    threading_quality,
    topics,
)
from bench.machine import describe

DOCS = Path(__file__).resolve().parents[1] / "docs"
BENCHMARKS = DOCS / "benchmarks.md"
THREADING = DOCS / "threading.md"
PG = os.environ.get("SQUEAKY_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SHARED_TWCS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "twcs_dev.csv"  # real, when present
REDIS = os.environ.get("SQUEAKY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def write_section(path: Path, title: str, body: str, preamble: str) -> None:
    """Replace (or add) one `## title` section of a results file, keeping the others."""
    text = path.read_text(encoding="utf-8") if path.exists() else preamble
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _m: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n", encoding="utf-8")


def publish(path: Path, title: str, results: str, about: str, preamble: str, *, reads_corpus: bool = True) -> None:
    """Write one measurement's results, with the machine (and corpus) it ran on and what it measures; print them."""
    on = f", on {corpus.describe()}" if reads_corpus else ""
    write_section(path, title, f"Measured {describe()}{on}.\n\n{results}\n\n{about}", preamble)
    print(results)


def run_ingest(posts: int, sizes: list[int]) -> None:
    """The ingest throughput benchmark, then the same pipeline at each of `sizes` (the growth table)."""
    results = ingest.report(ingest.measure(posts, PG, REDIS))
    if sizes:
        results += "\n\nAs the load grows:\n\n" + ingest_growth.report(ingest_growth.measure(sizes, PG, REDIS))
    about = f"{ingest.__doc__ or ''}\n\n{ingest_growth.__doc__ or ''}\n\n{ingest_profile.NOTES}"
    publish(BENCHMARKS, "Ingest throughput", results, about, BENCHMARKS_PREAMBLE)


def run_clicks() -> None:
    """The click-to-ack benchmark and the claim race."""
    results = clicks.report(clicks.measure(PG, REDIS))
    publish(BENCHMARKS, "Clicks", results, clicks.__doc__ or "", BENCHMARKS_PREAMBLE, reads_corpus=False)


def run_teams() -> None:
    """The Teams invoke benchmark."""
    results = teams_clicks.report(teams_clicks.measure(PG, REDIS))
    publish(BENCHMARKS, "Teams clicks", results, teams_clicks.__doc__ or "", BENCHMARKS_PREAMBLE, reads_corpus=False)


def run_stats(complaints: int) -> None:
    """The team stats benchmark."""
    results = stats.report(stats.measure(PG, REDIS, complaints))
    publish(BENCHMARKS, "Team stats", results, stats.__doc__ or "", BENCHMARKS_PREAMBLE)


def run_storm() -> None:
    """The complaint storm against Slack's posting limit."""
    results = storm_report.report(storm.measure(PG, REDIS))
    publish(
        BENCHMARKS, "Complaint storm", results, f"{storm.__doc__ or ''}\n\n{storm_report.NOTES}", BENCHMARKS_PREAMBLE
    )


def run_queue_storm() -> None:
    """The complaint storm across four queues and channels, with short service levels."""
    results = queue_storm.report(queue_storm.measure(PG, REDIS))
    about = f"{queue_storm.__doc__ or ''}\n\n{queue_storm.NOTES}"
    publish(BENCHMARKS, "Complaint storm across queues", results, about, BENCHMARKS_PREAMBLE)


def run_scale_out() -> None:
    """The storm with three workers, two web processes, the X poller and fifty agents, one worker killed."""
    results = scale_report.report(scale_out.measure(PG, REDIS))
    about = f"{scale_out.__doc__ or ''}\n\n{scale_report.NOTES}"
    publish(BENCHMARKS, "Scale-out storm", results, about, BENCHMARKS_PREAMBLE)


def run_memory() -> None:
    """Each process's peak memory with one network and with all of them."""
    results = process_memory.report(process_memory.measure(PG, REDIS))
    about = process_memory.__doc__ or ""
    publish(BENCHMARKS, "Process memory", results, about, BENCHMARKS_PREAMBLE, reads_corpus=False)


def run_storm_claims() -> None:
    """Claims during a storm, on Slack and on Teams."""
    results = storm_claims.report([storm_claims.measure_slack(PG, REDIS), storm_claims.measure_teams(PG, REDIS)])
    about = f"{storm_claims.__doc__ or ''}\n\n{storm_claims.NOTES}"
    publish(BENCHMARKS, "Claims during a storm", results, about, BENCHMARKS_PREAMBLE, reads_corpus=False)


def run_threading() -> None:
    """The threading quality measurement on the corpus's conversations."""
    results = threading_quality.report(threading_quality.measure())
    publish(
        THREADING,
        "Threading on twcs conversations",
        results,
        threading_quality.__doc__ or "",
        THREADING_PREAMBLE,
    )


def run_suggestions(given: Path | None) -> None:
    """Suggested replies: top-3 hit rate on unseen conversations, latency with 100,000 past cases, build and memory."""
    real = given or (SHARED_TWCS if SHARED_TWCS.is_file() else None)
    source = f"`{real.name}` (real twcs conversations)" if real else corpus.describe()
    results = suggestions.report(suggestions.measure(real or corpus.path()), source)
    about = suggestions.__doc__ or ""
    publish(BENCHMARKS, "Suggested replies", results, about, BENCHMARKS_PREAMBLE, reads_corpus=False)


def run_topics(given: Path | None) -> None:
    """Topic accuracy on held-back rows: the rules alone, the learned model, both; the generated corpus, and the real
    twcs file when --twcs gives one."""
    generated = corpus.generate(Path(tempfile.mkdtemp(prefix="squeaky-bench-")) / "twcs_generated.csv")
    results = [topics.measure(generated, f"generated corpus ({corpus.ROWS:,} tweets, seed {corpus.SEED})")]
    if given is not None:
        results.append(topics.measure(given, f"`{given.name}` (real twcs)"))
    about = topics.__doc__ or ""
    title = "Topics: rules and the learned model"
    publish(BENCHMARKS, title, topics.report(results), about, BENCHMARKS_PREAMBLE, reads_corpus=False)


BENCHMARKS_PREAMBLE = """# Benchmarks

Written by `make bench` (`python -m bench`); each section is replaced by its latest run.
Speed is measured here, never asserted in tests: machines are shared and noisy.
"""
THREADING_PREAMBLE = """# Threading quality

Written by `make bench` (`python -m bench threading`).
"""


def _sizes(value: str) -> list[int]:
    """`10000,100000` -> [10000, 100000]."""
    try:
        return [int(part.replace("_", "")) for part in value.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of post counts: {value!r}") from None


def main(argv: list[str] | None = None) -> int:
    """Run what was asked for."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parts = ["ingest", "clicks", "teams", "claims", "stats", "storm", "queues", "scale", "threading", "memory"]
    parts += ["suggestions", "topics", "all"]
    parser.add_argument("which", nargs="?", default="all", choices=parts)
    parser.add_argument("--posts", type=int, default=100_000, help="posts through the ingest pipeline")
    parser.add_argument(
        "--ingest-sizes",
        type=_sizes,
        default=[10_000, 100_000],
        help="the ingest growth table's sizes, comma-separated (e.g. 10000,100000,1000000; empty: none)",
    )
    parser.add_argument("--complaints", type=int, default=1_000_000, help="complaints behind the stats benchmark")
    parser.add_argument(
        "--twcs",
        type=Path,
        default=None,
        help="a real twcs CSV (e.g. ../shared/data/twcs_dev.csv) instead of the generated corpus of the same shape",
    )
    args = parser.parse_args(argv)
    corpus.use(args.twcs)
    if args.which in ("threading", "all"):
        run_threading()
    if args.which in ("ingest", "all"):
        run_ingest(args.posts, args.ingest_sizes)
    if args.which in ("clicks", "all"):
        run_clicks()
    if args.which in ("teams", "all"):
        run_teams()
    if args.which in ("claims", "all"):
        run_storm_claims()
    if args.which in ("storm", "all"):
        run_storm()
    if args.which in ("queues", "all"):
        run_queue_storm()
    if args.which in ("scale", "all"):
        run_scale_out()
    if args.which in ("stats", "all"):
        run_stats(args.complaints)
    if args.which in ("memory", "all"):
        run_memory()
    if args.which in ("suggestions", "all"):
        run_suggestions(args.twcs)
    if args.which in ("topics", "all"):
        run_topics(args.twcs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
