"""The dependency audit CI runs (.ci/audit_dependencies.py, pip-audit against OSV's database), against a local OSV:
a pinned package with a known vulnerability fails the run and is named; a clean pin passes; an unreachable service
is said out loud."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.osv_api import LocalOsv

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
# requests' advisory of 2025-06 (the .netrc credential leak), as OSV serves it
NETRC_LEAK = {
    "schema_version": "1.6.0",
    "id": "GHSA-9hjg-9r4m-mvj7",
    "aliases": ["CVE-2024-47081"],
    "summary": "Requests vulnerable to .netrc credentials leak via malicious URLs",
    "published": "2025-06-09T19:06:08Z",
    "modified": "2025-06-10T00:00:00Z",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "requests", "purl": "pkg:pypi/requests"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.32.4"}]}],
        }
    ],
}


@pytest.fixture
def osv() -> Iterator[LocalOsv]:
    server = LocalOsv()
    server.start()
    server.add(NETRC_LEAK)
    yield server
    server.stop()


def _audit(tmp_path: Path, pins: str, osv_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(pins)
    return subprocess.run(  # noqa: S603 - the project's own script
        [sys.executable, str(ROOT / ".ci" / "audit_dependencies.py"), str(requirements)],
        env={**os.environ, "SQUEAKY_OSV_URL": osv_url, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_known_vulnerability_fails_the_run_naming_the_package(osv: LocalOsv, tmp_path: Path) -> None:
    done = _audit(tmp_path, "requests==2.31.0\nclick==8.5.1\n", osv.query_url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "dependency audit: requests 2.31.0 has a known vulnerability CVE-2024-47081 (GHSA-9hjg-9r4m-mvj7); "
        "fixed in 2.32.4"
    ) in done.stderr
    assert "click" not in done.stderr and ("click", "8.5.1") in osv.asked


def test_the_projects_pins_pass_when_nothing_is_known_against_them(osv: LocalOsv, tmp_path: Path) -> None:
    pins = (ROOT / "requirements.txt").read_text()
    done = _audit(tmp_path, pins, osv.query_url)
    assert done.returncode == 0, done.stderr
    assert "no known vulnerability" in done.stdout and ("requests", "2.34.2") in osv.asked


def test_an_unreachable_service_is_said_out_loud_and_fails_only_when_required(tmp_path: Path) -> None:
    closed = "http://127.0.0.1:9/v1/query"
    done = _audit(tmp_path, "requests==2.31.0\n", closed)
    assert done.returncode == 0 and "NOT RUN, the vulnerability service could not be reached" in done.stdout
    required = _audit(tmp_path, "requests==2.31.0\n", closed, SQUEAKY_AUDIT_REQUIRED="1")
    assert required.returncode == 1 and "NOT RUN" in required.stderr
