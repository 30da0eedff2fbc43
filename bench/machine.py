"""What a measurement ran on, for the results files."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603 - fixed argv
        return done.stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def describe() -> str:
    """One line: when, CPU, cores, memory, Python, PostgreSQL and Redis versions."""
    try:
        with open("/proc/meminfo") as meminfo:
            kb = int(meminfo.readline().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        memory = "unknown memory"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), cpu)
    except OSError:
        pass
    postgres, redis = _version(["psql", "--version"]), _version(["redis-server", "--version"])
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {cpu} · {os.cpu_count()} cores · {memory} · "
        f"Python {platform.python_version()} · {postgres} · {redis}"
    )
