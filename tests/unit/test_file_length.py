"""The file-length check: a file over 400 lines fails `make lint`, naming the file and its length."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "file_length.py"


def test_a_file_over_the_limit_fails_naming_it_and_its_length(tmp_path: Path) -> None:
    """401 lines under handlers/ fail; 400 lines and files outside the checked roots pass."""
    (tmp_path / "handlers" / "team").mkdir(parents=True)
    (tmp_path / "handlers" / "team" / "long.py").write_text("x = 1\n" * 401)
    (tmp_path / "storage").mkdir()
    (tmp_path / "storage" / "exact.py").write_text("x = 1\n" * 400)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "huge.py").write_text("x = 1\n" * 900)
    done = subprocess.run([sys.executable, str(SCRIPT)], cwd=tmp_path, capture_output=True, text=True)  # noqa: S603 - our own script
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["handlers/team/long.py: 401 lines (the limit is 400; split it by role)"]


def test_a_tree_within_the_limit_passes(tmp_path: Path) -> None:
    """Every checked file at or under 400 lines: the check passes silently."""
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "ok.py").write_text("x = 1\n" * 400)
    done = subprocess.run([sys.executable, str(SCRIPT)], cwd=tmp_path, capture_output=True, text=True)  # noqa: S603 - our own script
    assert (done.returncode, done.stderr) == (0, "")
