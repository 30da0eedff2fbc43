"""A test's own Redis and PostgreSQL servers, on ephemeral ports, that it may really stop and start again to play an
outage (never the shared servers): Redis comes back empty, as one without persistence does; PostgreSQL comes back
with its data, as after a restart or a failover."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from glob import glob
from pathlib import Path

import redis
from sqlalchemy import create_engine, text


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(ready: Callable[[], object], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(redis.ConnectionError):
            if ready():
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start within {timeout:.0f}s")


class PrivateRedis:
    """A redis-server of the test's own, without persistence: `stop()` kills it, `start()` brings it back empty on
    the same port."""

    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its address, as REDIS_URL takes it."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        """Start it and wait until it answers."""
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with (self._dir / "redis.log").open("ab") as log:  # the server keeps its own copy of the file
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv
                [*args, "--dir", str(self._dir)], stdout=log, stderr=log
            )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            _wait(client.ping, "the private redis-server")
        finally:
            client.close()
        return self

    def stop(self) -> None:
        """Kill it: every connection drops and new ones are refused."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None


def _postgres_bin(name: str) -> str:
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or name]
    return found[-1]


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary directory): `stop()` shuts it down fast, as an
    outage does (sessions are ended, connections refused), `start()` brings it back with its data."""

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="squeaky-pg-"))
        self.port = free_port()
        self._as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self._dir, "postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self._dir / "data"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    @property
    def url(self) -> str:
        """The address of its `squeaky` database, as DATABASE_URL takes it."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/squeaky"

    def _run(self, tool: str, *args: str) -> None:
        command = [*self._as_user, _postgres_bin(tool), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603 - fixed argv

    def start(self) -> PrivatePostgres:
        """Start it (creating the `squeaky` database the first time) and wait until it answers."""
        options = f"-p {self.port} -k {self._dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self._dir / "data"), "-o", options, "-l", str(self._dir / "log"), "-w", "start")
        admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = 'squeaky'")).first():
                    connection.execute(text("CREATE DATABASE squeaky"))
        finally:
            admin.dispose()
        return self

    def stop(self) -> None:
        """Shut it down now (fast mode: open sessions are ended)."""
        self._run("pg_ctl", "-D", str(self._dir / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stop it if it runs and delete its files."""
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self._run("pg_ctl", "-D", str(self._dir / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self._dir, ignore_errors=True)
