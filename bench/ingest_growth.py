"""Ingest as the load grows: the same pipeline as the ingest benchmark at several sizes, each in a process of its own
(so each size's peak memory is its own), to show the cost per post staying flat. The posts are generated and
streamed a chunk at a time, so the process holds a chunk of them, never the whole run."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import corpus
from bench.ingest import run_pipeline, scratch_database


@dataclass(frozen=True)
class GrowthPoint:
    """One size's run."""

    posts: int
    seconds: float
    peak_rss_mb: float
    cases: int

    @property
    def rate(self) -> float:
        """Posts per second through the whole pipeline."""
        return self.posts / self.seconds


def measure(sizes: list[int], admin_url: str, redis_url: str) -> list[GrowthPoint]:
    """Run the pipeline once per size, each in a fresh process and on a fresh database, on this run's corpus."""
    points = []
    for size in sizes:
        argv = [
            sys.executable,
            "-m",
            "bench.ingest_growth",
            str(size),
            admin_url,
            redis_url,
            "--twcs",
            str(corpus.path()),
        ]
        done = subprocess.run(argv, capture_output=True, text=True, check=True)  # noqa: S603 - our own module
        points.append(GrowthPoint(**json.loads(done.stdout.strip().splitlines()[-1])))
    return points


def report(points: list[GrowthPoint]) -> str:
    """The growth table, as Markdown."""
    base = points[0].rate if points else 1.0
    lines = [
        "| posts | cases | seconds | posts/s | posts/s ÷ the smallest run's | peak memory (whole process) |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {p.posts:,} | {p.cases:,} | {p.seconds:.1f} | {p.rate:,.0f} | {p.rate / base:.2f} "
        f"| {p.peak_rss_mb:,.0f} MB |"
        for p in points
    ]
    return "\n".join(lines)


def _one(argv: list[str]) -> None:
    """One size, in this process: print its figures as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("posts", type=int)
    parser.add_argument("admin_url")
    parser.add_argument("redis_url")
    parser.add_argument("--twcs", type=Path, default=None)
    args = parser.parse_args(argv)
    corpus.use(args.twcs)
    with scratch_database(args.admin_url) as url:
        seconds, cases, _followups = run_pipeline(args.posts, url, args.redis_url)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"posts": args.posts, "seconds": seconds, "peak_rss_mb": peak, "cases": cases}))


if __name__ == "__main__":
    _one(sys.argv[1:])
