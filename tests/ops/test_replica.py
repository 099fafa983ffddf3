"""Read replicas: with PATRONAGE_READ_DATABASE_URL, reports and listings read a streaming
replica while writes, quotes and the POS's point lookups stay on the primary.

The replica is real: built here with the machine's PostgreSQL (pg_basebackup -R, a second
server started with pg_ctl as the `postgres` user), then stopped and removed. The machine's
own server is used as the primary when its pg_hba.conf allows replication connections;
otherwise (this test never edits the system's configuration) a private primary is made with
initdb next to the replica, from the same binaries.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from patronage.bootstrap import open_app
from patronage.service import listing, reports
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock
from patronage.service.uow import Tx

from .shop import configure, invoice

DAY = dt.date(2023, 1, 2)
BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1:] or [""]
PG = Path(os.environ.get("PATRONAGE_TEST_PG_BIN", BIN[0]))


def _as_postgres(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *argv], capture_output=True,
                          text=True, check=check, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _why_not() -> str | None:
    if not (PG / "pg_ctl").exists() or not (PG / "pg_basebackup").exists():
        return f"no PostgreSQL server binaries (pg_ctl, pg_basebackup) under {PG}"
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        return "the replica's server runs as the postgres user: needs root and runuser"
    try:
        _as_postgres("true")
    except (subprocess.CalledProcessError, OSError):
        return "there is no postgres OS user to run a server as"
    return None


def _url(port: int) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"


def _start(data: Path, port: int, sockets: Path) -> None:
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
                   f"unix_socket_directories = '{sockets}'\nfsync = off\n"
                   "max_connections = 40\nshared_buffers = 16MB\n")
    _as_postgres(str(PG / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w",
                 "-t", "60", "start")


def _system_primary() -> int | None:
    """The machine's server's port, when it takes replication connections (a pg_hba.conf
    line for `replication`, wal_level replica or above); else None."""
    probe = subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-h", "127.0.0.1", "-p", "5432",
         "-d", "replication=true", "-Atc", "IDENTIFY_SYSTEM"],
        capture_output=True, text=True, timeout=30, check=False)
    return 5432 if probe.returncode == 0 else None


@pytest.fixture(scope="module")
def replica() -> Iterator[tuple[str, str]]:
    """(primary URL, replica URL): a streaming replica in recovery, removed after."""
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    work = Path(tempfile.mkdtemp(prefix="patronage-replica-"))
    shutil.chown(work, "postgres")
    started: list[Path] = []
    try:
        primary_port = _system_primary()
        if primary_port is None:  # the system's pg_hba.conf has no `replication` line
            primary_port = _free_port()
            _as_postgres(str(PG / "initdb"), "-D", str(work / "primary"), "-A", "trust",
                         "-U", "postgres", "--no-sync")
            _start(work / "primary", primary_port, work)
            started.append(work / "primary")
        port = _free_port()
        _as_postgres(str(PG / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary_port),
                     "-U", "postgres", "-D", str(work / "replica"), "-R", "-X", "stream",
                     "-c", "fast", "--no-sync")
        _start(work / "replica", port, work)
        started.append(work / "replica")
        eng = sa.create_engine(_url(port))
        try:
            for _ in range(100):
                with eng.connect() as conn:
                    if conn.exec_driver_sql("SELECT pg_is_in_recovery()").scalar():
                        break
                time.sleep(0.1)
            else:
                pytest.fail("the replica never entered recovery")
        finally:
            eng.dispose()
        yield _url(primary_port), _url(port)
    finally:
        for data in reversed(started):
            _as_postgres(str(PG / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop",
                         check=False)
        shutil.rmtree(work, ignore_errors=True)


def caught_up(app: Patronage) -> None:
    """Wait until the replica has replayed everything the primary has written."""
    with app.engine.connect() as conn:
        target = conn.exec_driver_sql("SELECT pg_current_wal_lsn()").scalar()
    for _ in range(300):
        try:
            with app.read_engine.connect() as conn:
                if conn.exec_driver_sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                                        (target,)).scalar():
                    return
        except sa.exc.OperationalError:  # the new database is not replayed there yet
            pass
        time.sleep(0.05)
    pytest.fail("the replica did not catch up in 15 s")


def replay(app: Patronage, what: str) -> None:
    with app.read_engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_wal_replay_{what}()")


def balances(tx: Tx) -> list[tuple[str, int, int]]:
    return [(r["customer"], r["pending"], r["available"])
            for r in reports.customer_balances(tx)]


def in_recovery(app: Patronage, primary: bool = False) -> bool:
    return bool(app.read(lambda tx: tx.repo.conn.exec_driver_sql(
        "SELECT pg_is_in_recovery()").scalar(), primary=primary))


def test_reports_read_the_replica_and_writes_go_to_the_primary(replica: tuple[str, str]
                                                              ) -> None:
    server, replica_server = replica
    clock = FixedClock(DAY)
    fresh = f"replica_{secrets.token_hex(5)}"  # a database of its own (it replicates too)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{fresh}"')
    primary_url, replica_url = (make_url(u).set(database=fresh).render_as_string()
                                for u in (server, replica_server))
    app = open_app(primary_url, clock, read_url=replica_url)
    try:
        caught_up(app)
        assert in_recovery(app) and not in_recovery(app, primary=True)
        configure(app)
        app.put_customer({"id": "B1", "name": "Bea"})
        app.enroll({"customer": "B1", "program": "bank", "date": DAY})
        app.post_invoice(invoice("A1", "B1", DAY, "300.00"))
        caught_up(app)
        # A report and a listing, read on the replica, show what the primary wrote.
        first = app.read(balances)
        assert first == app.read(balances, primary=True)
        assert first[0][0] == "B1" and first[0][1] + first[0][2] > 0
        assert [c["id"] for c in listing.customers(app, 10)[0]] == ["B1"]

        # A write while the replica lags (its replay paused): the write works, the balance
        # and the quote (primary) see it at once, the report (replica) not yet; once the
        # replica has replayed it, the report shows it.
        replay(app, "pause")
        app.post_invoice(invoice("A2", "B1", DAY, "500.00"))
        now = app.balance("B1")
        assert now.pending + now.available > first[0][1] + first[0][2]
        assert app.quote(invoice("Q", "B1", DAY, "10.00"))["rewards"]["available_points"] \
            == now.available
        assert app.customer("B1").balance == now
        assert app.read(balances) == first
        replay(app, "resume")
        caught_up(app)
        assert app.read(balances) == [("B1", now.pending, now.available)]
        assert in_recovery(app)  # still the replica that answered
    finally:
        app.engine.dispose()
        app.read_engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        admin.dispose()


def test_the_environment_names_the_replica_of_its_own_database_only(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    primary, other = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    replica = f"sqlite:///{tmp_path / 'replica.db'}"
    monkeypatch.setenv("PATRONAGE_DATABASE_URL", primary)
    monkeypatch.setenv("PATRONAGE_READ_DATABASE_URL", replica)
    for url, reads in ((None, replica), (primary, replica), (other, other)):
        app = open_app(url)
        assert str(app.read_engine.url) == reads
        app.engine.dispose()
    monkeypatch.delenv("PATRONAGE_READ_DATABASE_URL")
    app = open_app()
    assert app.read_engine is app.engine
