"""`patronage backup` and `patronage restore`: a whole database to one file and back.

SQLite is copied through its online backup API (`sqlite3.Connection.backup`): a consistent
snapshot taken while the server keeps writing (WAL readers never block writers). PostgreSQL
is dumped by its own tools, `pg_dump --format=custom` and `pg_restore`; `--print` shows the
line instead of running it (docs/operations.md, Backups). A backup is written beside its
target under a `.part` name and renamed when complete, so a failed one never looks like a
good one; neither command overwrites an existing file or restores over live data.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import URL, make_url

from patronage.adapters.db.engine import database_url
from patronage.core.errors import PatronageError
from patronage.entrypoints.cli import Database, guarded

Print = Annotated[bool, typer.Option("--print", help="PostgreSQL: print the pg_dump or "
                                     "pg_restore line instead of running it")]


def register(app: typer.Typer) -> None:
    """Add `backup` and `restore` to the main `patronage` command."""
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)


def backup_command(file: Path, database: Database = None, show: Print = False) -> None:
    """Copy the database into FILE, a new file: SQLite through the online backup API (safe
    while the server runs), PostgreSQL with `pg_dump --format=custom`."""
    guarded(lambda: typer.echo(backup(file, database, show)))


def restore_command(file: Path, database: Database = None, show: Print = False) -> None:
    """Restore FILE (made by `patronage backup`) into a new, empty database, then migrate
    it to this version's schema: SQLite into a file that does not exist yet, PostgreSQL
    with `pg_restore` into an empty database (`createdb` first)."""
    guarded(lambda: typer.echo(restore(file, database, show)))


def backup(file: Path, url: str | None = None, show: bool = False) -> str:
    """Back the database at `url` up into `file`; a line saying what was done."""
    parsed = _url(url)
    if _exists(file):
        raise PatronageError("invalid", f"{file} exists: a backup never overwrites a file")
    if parsed.get_backend_name() == "postgresql":
        argv = ["pg_dump", "--format=custom", f"--file={file}", *_schema(parsed),
                f"--dbname={_conninfo(parsed)}"]
        started = time.perf_counter()
        said = _run(argv, parsed, show, f"backed up {parsed.database} to {file}")
        return said if show else _sized(said, file, started)
    source = _sqlite_path(parsed)
    if not source.is_file():
        raise PatronageError("not_found", f"no database file {source}")
    started = time.perf_counter()
    _copy(f"file:{source}?mode=ro", file)
    return _sized(f"backed up {source} to {file}", file, started)


def _sized(said: str, file: Path, started: float) -> str:
    return f"{said}: {file.stat().st_size:,} bytes in {time.perf_counter() - started:.2f} s"


def restore(file: Path, url: str | None = None, show: bool = False) -> str:
    """Restore `file` into the empty database at `url` and migrate it."""
    from patronage.bootstrap import open_engine

    parsed = _url(url)
    if not show and not file.is_file():
        raise PatronageError("not_found", f"no backup file {file}")
    if parsed.get_backend_name() == "postgresql":
        # One transaction: a restore that fails (the target is not empty, the file is not a
        # dump) leaves the target as it was.
        argv = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
                f"--dbname={_conninfo(parsed)}", str(file)]
        said = _run(argv, parsed, show, f"restored {file}")
    else:
        target = _sqlite_path(parsed)
        if _exists(target):
            raise PatronageError("invalid", f"{target} exists: restore into a new database "
                                 "file (move the old one away first)")
        _copy(f"file:{file}?mode=ro", target)
        said = f"restored {file} to {target}"
    if not show:
        open_engine(parsed.render_as_string(hide_password=False)).dispose()  # migrates
    return said


def _url(url: str | None) -> URL:
    text = database_url(url)
    if text.startswith("postgresql://"):
        text = "postgresql+psycopg://" + text[len("postgresql://"):]
    return make_url(text)


def _exists(path: Path) -> bool:
    return path.exists() and (not path.is_file() or path.stat().st_size > 0)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise PatronageError("invalid", "an in-memory database cannot be backed up or "
                             "restored: name a database file")
    return Path(url.database)


def _copy(source_uri: str, target: Path) -> None:
    """SQLite's online backup of `source_uri` into `target`, through a `.part` file."""
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(source_uri, uri=True)
        try:
            dst = sqlite3.connect(part)
            try:
                src.backup(dst)  # all pages in one step: one consistent snapshot
                ok = dst.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.DatabaseError as err:
        part.unlink(missing_ok=True)
        raise PatronageError("invalid", f"cannot copy {source_uri[5:].split('?')[0]}: "
                             f"{err}") from None
    if ok != "ok":
        part.unlink(missing_ok=True)
        raise PatronageError("invalid", f"the copy failed its check: {ok}")
    os.replace(part, target)


def _conninfo(url: URL) -> str:
    """A libpq URL of the database, without password (passed as PGPASSWORD) or options."""
    return URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                      database=url.database).render_as_string()


def _schema(url: URL) -> list[str]:
    """`--schema=NAME` when the URL reaches its tables through a `search_path` option."""
    options = str(url.query.get("options") or "")
    for part in options.split():
        if part.startswith("-csearch_path="):
            return [f"--schema={part.split('=', 1)[1].split(',')[0]}"]
    return []


def _run(argv: list[str], url: URL, show: bool, done: str) -> str:
    if show:
        return shlex.join(argv)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    try:
        result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise PatronageError("not_found", f"{argv[0]} is not installed (the PostgreSQL "
                             "client tools: apt-get install postgresql-client)") from None
    if result.returncode != 0:
        lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
        raise PatronageError("invalid", f"{argv[0]} failed: {lines[0] if lines else ''}")
    return done
