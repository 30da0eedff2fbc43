#!/usr/bin/env python3
"""CI: the pinned requirements checked against the known vulnerabilities in OSV's database (with pip-audit).

A known vulnerability fails the run, naming the package, its version, the advisory and the
versions that fix it. When the vulnerability service cannot be reached (a machine without
internet), the audit says so loudly and the run goes on: an unreachable outside service is
no fact about our dependencies, and failing every change for it would teach everyone to
ignore the check. Set SQUEAKY_AUDIT_REQUIRED=1 where the service must be reached (then
unreachable fails too). SQUEAKY_OSV_URL points the audit at another OSV-compatible service.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")
OSV_URL = "https://api.osv.dev/v1/query"
UNREACHABLE = ("ConnectionError", "ConnectTimeout", "ReadTimeout", "NameResolutionError", "Max retries exceeded")


def audit(files: list[str]) -> tuple[int, list[str]]:
    """Audit the pinned `files`; the exit code and the lines to print."""
    command = [
        sys.executable, "-m", "pip_audit", "--disable-pip", "--no-deps", "--progress-spinner", "off",
        "--format", "json", "--vulnerability-service", "osv", "--osv-url", os.environ.get("SQUEAKY_OSV_URL", OSV_URL),
    ]  # fmt: skip
    for name in files:
        command += ["--requirement", name]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)  # noqa: S603
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        last = (done.stderr.strip().splitlines() or ["pip-audit printed nothing"])[-1][:300]
        if any(word in done.stderr for word in UNREACHABLE):
            required = os.environ.get("SQUEAKY_AUDIT_REQUIRED") == "1"
            verdict = "failing (SQUEAKY_AUDIT_REQUIRED=1)" if required else "going on without it"
            return (1 if required else 0), [
                f"dependency audit: NOT RUN, the vulnerability service could not be reached ({last}); {verdict}"
            ]
        return 2, [f"dependency audit: pip-audit failed: {last}"]
    lines: list[str] = []
    audited = report.get("dependencies", [])
    for dependency in audited:
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            aliases = ", ".join(vuln.get("aliases") or [])
            lines.append(
                f"dependency audit: {dependency['name']} {dependency['version']} has a known vulnerability "
                f"{vuln['id']}{f' ({aliases})' if aliases else ''}; fixed in {fixed}"
            )
    skipped = [d for d in audited if d.get("skip_reason")]
    for dependency in skipped:
        lines.append(f"dependency audit: {dependency['name']} was not audited: {dependency['skip_reason'][:200]}")
    if any(d.get("vulns") for d in audited):
        return 1, lines
    return 0, [*lines, f"dependency audit: {len(audited) - len(skipped)} pinned packages, no known vulnerability"]


def main() -> int:
    """Audit the files named on the command line (the project's requirements when none)."""
    code, lines = audit(sys.argv[1:] or list(REQUIREMENTS))
    for line in lines:
        print(line, file=sys.stderr if code else sys.stdout)
    return code


if __name__ == "__main__":
    sys.exit(main())
