"""A local OSV (the open vulnerability database pip-audit reads), as its `POST /v1/query` answers: the advisories
whose ECOSYSTEM ranges hold the asked package's version, or `{}` when none does. Tests load the advisories."""

from __future__ import annotations

from typing import Any

from packaging.version import InvalidVersion, Version

from sandbox.server import LocalServer, Request, Response

QUERY_PATH = "/v1/query"


def _affects(affected: dict[str, Any], name: str, version: Version) -> bool:
    package = affected.get("package", {})
    if package.get("ecosystem") != "PyPI" or package.get("name", "").lower() != name.lower():
        return False
    for where in affected.get("ranges", []):
        if where.get("type") != "ECOSYSTEM":
            continue
        introduced: Version | None = None
        for event in where.get("events", []):
            if "introduced" in event:
                introduced = Version("0") if event["introduced"] == "0" else Version(event["introduced"])
            elif "fixed" in event and introduced is not None:
                if introduced <= version < Version(event["fixed"]):
                    return True
                introduced = None
        if introduced is not None and version >= introduced:
            return True
    return False


class LocalOsv(LocalServer):
    """Answers OSV queries from the advisories added with `add()`, recording every package asked about."""

    def __init__(self) -> None:
        super().__init__()
        self.advisories: list[dict[str, Any]] = []
        self.asked: list[tuple[str, str]] = []

    @property
    def query_url(self) -> str:
        """The address pip-audit's `--osv-url` takes."""
        return self.url + QUERY_PATH

    def add(self, advisory: dict[str, Any]) -> None:
        """An advisory in OSV's schema (id, aliases, summary, affected with ECOSYSTEM ranges)."""
        with self.lock:
            self.advisories.append(advisory)

    def handle(self, request: Request) -> Response:
        """POST /v1/query with {"package": {"name", "ecosystem"}, "version"}."""
        if request.method != "POST" or request.path != QUERY_PATH:
            return Response(404, {"code": 5, "message": "Not Found"})
        body = request.json()
        try:
            name, version = str(body["package"]["name"]), Version(str(body["version"]))
        except (KeyError, TypeError, InvalidVersion):
            return Response(400, {"code": 3, "message": "Invalid query."})
        with self.lock:
            self.asked.append((name, str(version)))
            found = [a for a in self.advisories if any(_affects(x, name, version) for x in a.get("affected", []))]
        return Response(200, {"vulns": found} if found else {})
