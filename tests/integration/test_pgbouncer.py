"""Behind PgBouncer in transaction mode (each transaction may run on another server connection), with DB_PGBOUNCER:
intake with its advisory locks, claims and the outbox's leases all work, from more client connections than PgBouncer
keeps to the server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from handlers.cases.claim import claim
from handlers.domain.complaint import IncomingComplaint, Status
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.ports.clock import SystemClock
from storage.memory.keys import MemoryDedupe
from storage.sql.engine import make_engine
from storage.sql.migrate import upgrade
from storage.sql.tables import complaints, outbox
from storage.sql.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import SURFACE
from tests.people import slack_person

pytestmark = [pytest.mark.integration, pytest.mark.alone]
SERVER_CONNECTIONS = 3  # PgBouncer's pool to PostgreSQL: fewer than the clients below


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def bouncer_url(pg_url: str) -> Iterator[str]:
    """The scratch database, migrated directly, then reached through a PgBouncer of its own in transaction mode."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not os.path.exists(binary):
        pytest.fail("PgBouncer is not installed (Debian's pgbouncer; .ci/run installs it)", pytrace=False)
    upgrade(pg_url)  # migrations run against PostgreSQL itself, as the README says
    database, port = make_url(pg_url).database, _free_port()
    home = Path(tempfile.mkdtemp(prefix="squeaky-pgbouncer-"))  # PgBouncer drops root for postgres: it reads here
    home.chmod(0o755)
    config = home / "pgbouncer.ini"
    config.write_text(
        f"[databases]\n{database} = host=127.0.0.1 port=5432 dbname={database}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nauth_type = trust\n"
        f"auth_file = {home / 'users.txt'}\npool_mode = transaction\n"
        f"default_pool_size = {SERVER_CONNECTIONS}\nmax_client_conn = 100\n"
    )
    (home / "users.txt").write_text('"postgres" ""\n')
    process = subprocess.Popen(  # noqa: S603 - the system's own PgBouncer, our config
        [binary, "-u", "postgres", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if process.poll() is not None:
            pytest.fail(f"PgBouncer did not start: {process.stdout.read().decode() if process.stdout else ''}")
        time.sleep(0.05)
    yield f"postgresql://postgres@127.0.0.1:{port}/{database}"
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def bounced(bouncer_url: str) -> Iterator[Engine]:
    engine = make_engine(bouncer_url, pool_size=8, max_overflow=0, pgbouncer=True)
    yield engine
    engine.dispose()


def test_intake_claims_and_leases_work_through_pgbouncer_in_transaction_mode(bounced: Engine) -> None:
    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(bounced, clock, surfaces=(SURFACE,))
    now = datetime.now(UTC)

    def arrive(n: int) -> list[int]:  # eight workers' batches at once, each statement run many times over
        posts = [
            IncomingComplaint("x", f"{n}{k:03d}", f"a{n}{k}", f"cust{n}_{k}", "C", "my bag is lost", now)
            for k in range(20)
        ]
        replies = [
            IncomingComplaint("x", f"r{n}{k:03d}", f"a{n}{k}", f"cust{n}_{k}", "C", "still lost", now, in_reply_to_id=p)
            for k, p in enumerate(post.external_id for post in posts)
        ]
        opened = receive(uow, clock, MemoryDedupe(), Triage(), posts).opened
        receive(uow, clock, MemoryDedupe(), Triage(), replies)
        return opened

    with ThreadPoolExecutor(8) as pool:
        opened = [case for batch in pool.map(arrive, range(8)) for case in batch]
    agent = slack_person(uow, "U0MARIA", "maria")
    for case in opened[:30]:
        claim(uow, clock, case, agent)
    leased = 0
    while True:
        with uow() as u:
            batch = u.outbox.lease_due(clock.now(), 30, 25)
            for message in batch:
                assert u.outbox.mark_done(message.id, clock.now(), message.lease)
            u.commit()
        if not batch:
            break
        leased += len(batch)
    with bounced.connect() as c:
        assert c.execute(select(func.count()).select_from(complaints)).scalar() == 160
        assert set(c.execute(select(complaints.c.followup_count)).scalars()) == {1}  # every reply found its case
        claimed = c.execute(select(func.count()).where(complaints.c.status == Status.CLAIMED.value)).scalar()
        assert claimed == 30
        assert c.execute(select(func.count()).where(outbox.c.status == "pending")).scalar() == 0
        assert c.execute(text("SHOW server_version")).scalar()  # a real server answered, through the bouncer
    assert leased >= 160
