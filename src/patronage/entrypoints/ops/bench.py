"""`patronage bench`: Patronage's speed, measured on data it makes itself.

Everything happens in a scratch database (a temporary SQLite file, or a temporary schema
on the PostgreSQL server given), dropped afterwards. The figures, printed as JSON:

- import: customers/s, and invoice lines/s through `patronage import invoices` (the year
  in date order, the daily run catching up before each day, every rule applied);
- storage limit: the file's rows inserted as they are with the driver's bare executemany
  (sqlite3 or psycopg), and the rows the import actually wrote inserted the same way; the
  import's rate as a share of each;
- online: invoices/s posted one by one through the service facade, as the POS does;
- maintenance: the next day's run, and the run a year later that expires every lot
  (seconds, and seconds per million lots), against the time the import took;
- balance: microseconds per lookup for a customer with about 10 ledger entries and one
  with about 10,000 (a separate small shop), and their ratio.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from patronage.adapters.db import tables as t
from patronage.adapters.db.engine import make_engine
from patronage.adapters.db.migrate import upgrade
from patronage.entrypoints.ops import benchdata as data
from patronage.entrypoints.ops.files import read_customers, read_invoices
from patronage.entrypoints.ops.progress import reporter
from patronage.entrypoints.ops.scratch import is_postgres, scratch_url
from patronage.service import bulk, check, maintenance
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

SAMPLE = 500_000  # rows, at most, for the storage limit: enough to measure a rate
WRITTEN = ("invoices", "invoice_lines", "lots", "ledger", "enrollment_totals", "awards",
           "credit_memos", "journal_entries", "journal_postings", "events")
ONLINE = 1000


def say(quiet: bool, text: str) -> None:
    if not quiet:
        print(text, file=sys.stderr, flush=True)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    began = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - began


def run_bench(customers: int, database: str | None = None, quiet: bool = False,
              runs: int = 1) -> dict[str, Any]:
    """Make a shop of `customers` customers and five lines per customer, measure, drop it.
    `runs`: how many times the import and its storage limit are measured, as a pair, each
    time into a new database; the figures given are those of the median pair."""
    postgres = is_postgres(database)
    with scratch_url(database, prefix="bench", file=True) as url, \
            scratch_url(database, prefix="bench", file=True) as spare_url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            tmp = Path(url.split("///", 1)[1]).parent if not postgres else None
            with _workdir(tmp) as work:
                out = _measure(engine, spare_url, work, customers, quiet, database, runs)
        finally:
            engine.dispose()
    out["database"] = "postgresql" if postgres else "sqlite"
    out["machine"] = _machine(database)
    return out


class _workdir:
    """The SQLite database's own temporary directory, or a new one for PostgreSQL."""

    def __init__(self, path: Path | None) -> None:
        self.path, self.tmp = path, None

    def __enter__(self) -> Path:
        if self.path is not None:
            return self.path
        import tempfile

        self.tmp = tempfile.TemporaryDirectory(prefix="patronage-bench-")  # type: ignore[assignment]
        return Path(self.tmp.name)  # type: ignore[attr-defined]

    def __exit__(self, *exc: object) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()  # type: ignore[attr-defined]


def _shop(engine: Engine, day: dt.date) -> Patronage:
    app = Patronage(engine, FixedClock(day), send_mail=False)
    app.configure_shop(data.SHOP)
    for program in data.PROGRAMS:
        app.put_program(program)
    return app


def _measure(engine: Engine, spare_url: str, work: Path, customers: int, quiet: bool,
             database: str | None, runs: int) -> dict[str, Any]:
    app = _shop(engine, data.START)
    ids = [f"C{i}" for i in range(customers)]
    say(quiet, f"bench: writing {customers:,} customers and "
               f"{customers * data.LINES_PER_CUSTOMER:,} invoice lines to {work}")
    files = work / "customers.csv", work / "invoices.csv"
    data.write_customers(files[0], customers)
    lines = data.write_invoices(files[1], data.invoice_rows("INV-", ids, customers, seed=2))
    last = data.START + dt.timedelta(days=data.DAYS - 1)
    app.clock.set(last)  # type: ignore[attr-defined]

    first = _import_pair(engine, app, database, files, customers, lines, quiet)
    pairs = [first]
    for n in range(2, runs + 1):  # again, each into a database of its own
        say(quiet, f"bench: the import and its storage limit again ({n} of {runs})")
        with scratch_url(database, prefix="bench", file=True) as again_url:
            again = make_engine(again_url)
            try:
                upgrade(again)
                shop = _shop(again, data.START)
                shop.clock.set(last)  # type: ignore[attr-defined]
                pairs.append(_import_pair(again, shop, database, files, customers, lines, quiet))
            finally:
                again.dispose()
    median = sorted(pairs, key=lambda p: p["share"])[len(pairs) // 2]
    people, people_s, imported = median["people"], median["people_s"], median["imported"]
    import_s, written, written_rate = median["import_s"], median["written"], median["rate"]
    lines_per_s = lines / import_s

    file_rate = _bare_rate(spare_url, work, data.read_rows(files[1], SAMPLE))
    per_line = sum(written.values()) / lines
    say(quiet, f"bench: posting {min(ONLINE, customers)} invoices online")
    online_n, online_s = _online(app, ids, last)
    say(quiet, "bench: the daily run")
    day_after = last + dt.timedelta(days=2)
    app.clock.set(day_after)  # type: ignore[attr-defined]
    _, next_day_s = timed(lambda: app.run_maintenance({"date": day_after}))
    lots = _count(engine, t.lots, t.lots.c.remaining > 0)
    year_later = day_after + dt.timedelta(days=366)
    app.clock.set(year_later)  # type: ignore[attr-defined]
    ran, expire_s = timed(lambda: app.run_maintenance({"date": year_later}))
    expired = int(ran.data.get("lots_expired", 0))
    report, check_s = timed(lambda: app.read(lambda tx: check.run(tx)))
    say(quiet, "bench: balance lookups")
    balance = _balances(spare_url, work)
    return {
        "size": {"customers": customers, "invoices": imported.documents, "lines": lines},
        "import": {
            "customers_per_s": round(customers / people_s), "customers_seconds": round(people_s, 2),
            "invoices_seconds": round(import_s, 2), "lines_per_s": round(lines_per_s),
            "invoices_per_s": round(imported.documents / import_s),
            "refused": len(imported.errors) + len(people.errors), "slow_items": imported.slow,
            "daily_runs": imported.maintenance_runs, "rows_written": written,
        },
        "storage_limit": {
            "file_rows_per_s": round(file_rate),
            "import_share_of_file_limit": round(lines_per_s / file_rate, 3),
            "written_rows_per_s": round(written_rate),
            "written_rows_per_line": round(per_line, 2),
            "written_lines_per_s": round(written_rate / per_line),
            "import_share_of_written_limit": round(lines_per_s / (written_rate / per_line), 3),
        },
        "runs": [{"lines_per_s": round(lines / p["import_s"]),
                  "written_lines_per_s": round(p["limit"]),
                  "import_share_of_written_limit": round(p["share"], 3)} for p in pairs],
        "online": {"invoices": online_n, "seconds": round(online_s, 2),
                   "invoices_per_s": round(online_n / online_s, 1)},
        "maintenance": {
            "next_day_seconds": round(next_day_s, 3),
            "expire_all": {"days": int(ran.data.get("days", 0)), "live_lots": lots,
                           "lots_expired": expired, "seconds": round(expire_s, 2),
                           "seconds_per_million_lots": round(expire_s / max(expired, 1) * 1e6)},
            # the daily runs were on the first run's database: against that run's import
            "share_of_import_time": round(expire_s / first["import_s"], 3),
        },
        "balance": balance,
        "check": {"faults": len(report.faults), "seconds": round(check_s, 2)},
        "targets": {
            "import_at_least_0.2_of_file_limit": lines_per_s / file_rate >= 0.2,
            "import_at_least_0.2_of_written_limit": lines_per_s / (written_rate / per_line) >= 0.2,
            "daily_run_within_import_time": expire_s <= first["import_s"],
            "balance_flat_within_1.5x": balance["ratio"] <= 1.5,
        },
    }


def _import_pair(engine: Engine, app: Patronage, database: str | None,
                 files: tuple[Path, Path], customers: int, lines: int,
                 quiet: bool) -> dict[str, Any]:
    """Import the customers and the invoices into `engine`'s database, then measure at once
    the storage limit of the rows the invoices wrote: a pair measured a minute apart at
    most, as the machine's speed drifts. The limit is measured in a new database each time,
    one that grows as the import's did: the same rows went into a file that had held the
    tables before (its free pages reused) 3 to 9 % slower."""
    with reporter("customers", quiet) as progress:
        people, people_s = timed(lambda: bulk.import_customers(
            app, read_customers(files[0]), progress=progress, total=customers))
    before = _top_ids(engine)
    with reporter("invoices", quiet) as progress:
        imported, import_s = timed(lambda: bulk.import_invoices(  # in date order: streamed
            app, read_invoices(files[1]), progress=progress, total=lines))
    written = _count_written(engine, before)
    say(quiet, f"bench: imported {lines:,} lines in {import_s:.1f}s; measuring the storage limit")
    with scratch_url(database, prefix="bench-limit", file=True) as limit_url:
        rate = _written_rate(engine, limit_url, before)
    limit = rate / (sum(written.values()) / lines)  # lines a second
    return {"people": people, "people_s": people_s, "imported": imported, "import_s": import_s,
            "written": written, "rate": rate, "limit": limit, "share": lines / import_s / limit}


def _top_ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(
            t.metadata.tables[name].c.id), 0))).scalar() or 0)
            for name in WRITTEN if "id" in t.metadata.tables[name].c}


def _new_rows(table: sa.Table, before: dict[str, int]) -> Any:
    stmt = sa.select(table)
    return stmt.where(table.c.id > before[table.name]) if table.name in before else stmt


def _count(engine: Engine, table: sa.Table, where: Any = None) -> int:
    stmt = sa.select(sa.func.count()).select_from(table)
    with engine.connect() as conn:
        return int(conn.execute(stmt if where is None else stmt.where(where)).scalar() or 0)


def _count_written(engine: Engine, before: dict[str, int]) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: int(conn.execute(sa.select(sa.func.count()).select_from(
            _new_rows(t.metadata.tables[name], before).subquery())).scalar() or 0)
            for name in WRITTEN}


def _driver(engine: Engine) -> Any:
    """The DBAPI connection itself: sqlite3 or psycopg, no SQLAlchemy in between."""
    return engine.raw_connection().driver_connection


def _bare_rate(url: str, work: Path, rows: list[list[str]]) -> float:
    """The file's rows, as text, into a table of the file's shape: one executemany."""
    engine = make_engine(url)
    try:
        raw = _driver(engine)
        mark = "?" if engine.dialect.name == "sqlite" else "%s"
        cols = ", ".join(f"c{i} TEXT" for i in range(16))
        sql = f"INSERT INTO bench_rows VALUES ({', '.join([mark] * 16)})"
        cur = raw.cursor()
        cur.execute(f"CREATE TABLE bench_rows ({cols})")
        raw.commit()
        if engine.dialect.name == "sqlite":
            cur.execute("BEGIN")
        began = time.perf_counter()
        cur.executemany(sql, rows)
        raw.commit()
        seconds = time.perf_counter() - began
        cur.execute("DROP TABLE bench_rows")
        raw.commit()
        return len(rows) / seconds
    finally:
        engine.dispose()


def _written_rate(engine: Engine, url: str, before: dict[str, int]) -> float:
    """The rows the import wrote, read back as stored and inserted again, table by table,
    into an empty copy of the schema (same keys and indexes) with one executemany each."""
    target = make_engine(url)
    copy = _without_foreign_keys(WRITTEN)
    try:
        copy.create_all(target)
        raw = _driver(target)
        mark = "?" if target.dialect.name == "sqlite" else "%s"
        total, seconds = 0, 0.0
        cur = raw.cursor()
        with engine.connect() as source:
            for name in WRITTEN:
                table = t.metadata.tables[name]
                cols = [c.name for c in table.columns]
                shown = [f"{c}::text" if engine.dialect.name == "postgresql"
                         and isinstance(table.c[c].type, sa.JSON) else f'"{c}"' for c in cols]
                where = f" WHERE id > {before[name]}" if name in before else ""
                found = source.exec_driver_sql(
                    f"SELECT {', '.join(shown)} FROM {name}{where} LIMIT {SAMPLE}").fetchall()
                sql = (f"INSERT INTO {name} ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in cols)})"
                       f" VALUES ({', '.join([mark] * len(cols))})")
                if target.dialect.name == "sqlite":
                    cur.execute("BEGIN")
                began = time.perf_counter()
                cur.executemany(sql, [tuple(r) for r in found])
                raw.commit()
                seconds += time.perf_counter() - began
                total += len(found)
        copy.drop_all(target)
        return total / seconds if seconds else 0.0
    finally:
        target.dispose()


def _without_foreign_keys(names: tuple[str, ...]) -> sa.MetaData:
    """These tables, with their keys and indexes but no foreign keys (the rows they refer
    to are not copied)."""
    copy = sa.MetaData()
    for name in names:
        src = t.metadata.tables[name]
        table = sa.Table(name, copy, *(sa.Column(c.name, c.type, primary_key=c.primary_key,
                                                 nullable=c.nullable,
                                                 autoincrement=c.autoincrement)
                                       for c in src.columns))
        for ix in src.indexes:
            sa.Index(ix.name, *(table.c[c.name] for c in ix.columns), unique=ix.unique,
                     **ix.dialect_kwargs)
        for uc in src.constraints:
            if isinstance(uc, sa.UniqueConstraint):
                table.append_constraint(sa.UniqueConstraint(*(c.name for c in uc.columns),
                                                            name=uc.name))
    return copy


def _online(app: Patronage, ids: list[str], last: dt.date) -> tuple[int, float]:
    count = min(ONLINE, len(ids))
    rows = list(data.invoice_rows("POS-", ids, count, seed=3,
                                  start=last + dt.timedelta(days=1), days=1))
    bodies = []
    by_id: dict[str, list[list[str]]] = {}
    for row in rows:
        by_id.setdefault(row[0], []).append(row)
    for ext, group in by_id.items():
        first = group[0]
        bodies.append({"id": ext, "store": int(first[2]), "customer": first[3],
                       "date": dt.date.fromisoformat(first[1]), "tax": first[15],
                       "lines": [{"sku": r[6], "item_type": r[7], "product_line": r[8],
                                  "vendor": r[10], "manufacturer": r[11], "qty": r[12],
                                  "price": r[13]} for r in group]})
    app.clock.set(last + dt.timedelta(days=1))  # type: ignore[attr-defined]
    began = time.perf_counter()
    for body in bodies:
        app.post_invoice(body)
    return len(bodies), time.perf_counter() - began


def _balances(url: str, work: Path) -> dict[str, Any]:
    """A club member with ~10 entries and one with ~10,000, in a small shop of their own."""
    engine = make_engine(url)
    try:
        t.metadata.drop_all(engine)
        t.metadata.create_all(engine)
        app = _shop(engine, data.START)
        for cid in ("SMALL", "BIG"):
            app.put_customer({"id": cid, "name": cid})
            app.enroll({"customer": cid, "program": "club", "date": data.START})
        # history well before the lookup, so awards have used the points: what grows is
        # the ledger, not the live lots a balance must sort into pending and available
        rows = [*data.invoice_rows("S-", ["SMALL"], 8, seed=4, lines=(1, 1), days=300),
                *data.invoice_rows("B-", ["BIG"], 5000, seed=5, lines=(1, 1), days=300)]
        path = work / "balance.csv"
        data.write_invoices(path, rows)
        last = data.START + dt.timedelta(days=data.DAYS)
        app.clock.set(last)  # type: ignore[attr-defined]
        bulk.import_invoices(app, read_invoices(path))
        app.run_maintenance({"date": last})
        out: dict[str, Any] = {}
        for cid in ("SMALL", "BIG"):
            entries = _count(engine, t.ledger, t.ledger.c.customer_id == cid)
            app.balance(cid, last)  # warm
            samples = []
            for _ in range(300):
                began = time.perf_counter()
                app.balance(cid, last)
                samples.append(time.perf_counter() - began)
            out[f"entries_{cid.lower()}"] = entries
            out[f"us_{cid.lower()}"] = round(statistics.median(samples) * 1e6)
        out["ratio"] = round(out["us_big"] / out["us_small"], 2)
        t.metadata.drop_all(engine)
        return out
    finally:
        engine.dispose()


def _machine(database: str | None) -> dict[str, Any]:
    import sqlite3

    info: dict[str, Any] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "sqlite": sqlite3.sqlite_version,
                            "load_average": [round(x, 2) for x in os.getloadavg()]}
    if is_postgres(database):
        engine = make_engine(database)
        try:
            with engine.connect() as conn:
                info["postgresql"] = conn.exec_driver_sql("SHOW server_version").scalar()
        finally:
            engine.dispose()
    return info



# --- the daily run with 1, 2, 4 ... workers (`patronage bench --daily-workers 1,2,4`) ----------

def run_daily_bench(customers: int, database: str, workers: list[int], quiet: bool = False,
                    catch_up_days: int = 366) -> dict[str, Any]:
    """The daily run split by customer range, timed with each number of `workers` (and
    unsplit, as today) on the same data: the bench's shop and year imported once into a
    scratch database of the PostgreSQL server, then, for each, a copy of that database
    (`CREATE DATABASE ... TEMPLATE`) that runs the next day's run and then the run
    `catch_up_days` later (366: a year, every lot of the import expired). Each figure's
    ratio is to the 1-worker time; the runs' summaries and books must agree
    (`same_results`)."""
    if not is_postgres(database):
        from patronage.core.errors import invalid

        raise invalid("database", "--daily-workers measures processes on PostgreSQL: give "
                      "--database postgresql://...")
    parts = maintenance.parts_for(customers, max(workers))
    with _databases(database, "bench_daily") as (base_url, copy_of):
        engine = make_engine(base_url)
        try:
            upgrade(engine)
            last = _daily_data(engine, customers, quiet)
        finally:
            engine.dispose()  # a template must have no connection
        variants: list[int | None] = [None, *workers]
        timings: dict[str, dict[str, Any]] = {}
        seen: list[Any] = []
        for n in variants:
            name = "unsplit" if n is None else str(n)
            say(quiet, f"bench: the daily run, {name} worker(s)")
            with copy_of() as url:
                timings[name], results = _daily_variant(url, last, n, parts, catch_up_days)
            seen.append(results)
    one = timings[str(workers[0])] if 1 not in workers else timings["1"]
    for figures in timings.values():
        for key in ("next_day", "catch_up"):
            figures[f"{key}_ratio"] = round(figures[f"{key}_seconds"] / one[f"{key}_seconds"], 3)
    return {"size": {"customers": customers, "parts_a_day": parts,
                     "catch_up_days": catch_up_days},
            "daily_workers": timings,
            "same_results": all(r == seen[0] for r in seen),
            "database": "postgresql", "machine": _machine(database)}


def _daily_data(engine: Engine, customers: int, quiet: bool) -> dt.date:
    """The bench's shop, customers and year of invoices, imported; the year's last day."""
    import tempfile

    app = _shop(engine, data.START)
    ids = [f"C{i}" for i in range(customers)]
    last = data.START + dt.timedelta(days=data.DAYS - 1)
    with tempfile.TemporaryDirectory(prefix="patronage-bench-") as tmp:
        files = Path(tmp) / "customers.csv", Path(tmp) / "invoices.csv"
        data.write_customers(files[0], customers)
        lines = data.write_invoices(files[1], data.invoice_rows("INV-", ids, customers, seed=2))
        app.clock.set(last)  # type: ignore[attr-defined]
        say(quiet, f"bench: importing {customers:,} customers and {lines:,} lines")
        with reporter("customers", quiet) as progress:
            bulk.import_customers(app, read_customers(files[0]), progress=progress,
                                  total=customers)
        with reporter("invoices", quiet) as progress:
            bulk.import_invoices(app, read_invoices(files[1]), progress=progress,
                                 total=lines)
    return last


def _daily_variant(url: str, last: dt.date, workers: int | None, parts: int,
                   catch_up_days: int) -> tuple[dict[str, Any], Any]:
    """The next day's run and the catch-up run after it on `url`'s copy, unsplit (None) or
    with `workers` processes: their seconds, and what they did (to compare)."""
    from patronage.entrypoints.ops.daily_run import run_split

    engine = make_engine(url)
    try:
        app = Patronage(engine, FixedClock(last), send_mail=False)
        figures: dict[str, Any] = {}
        summaries = []
        for key, day in (("next_day", last + dt.timedelta(days=2)),
                         ("catch_up", last + dt.timedelta(days=2 + catch_up_days))):
            app.clock.set(day)  # type: ignore[attr-defined]
            body = {"date": day}
            if workers is None:
                ran, seconds = timed(lambda b=body: app.run_maintenance(b).data)  # type: ignore[misc]
            else:
                ran, seconds = timed(lambda b=body: run_split(app, b, workers, parts))  # type: ignore[misc]
            figures[f"{key}_seconds"] = round(seconds, 3)
            summaries.append({k: v for k, v in ran.items() if k not in ("run", "parts", "mail")})
        figures["lots_expired"] = summaries[1].get("lots_expired", 0)
        return figures, (summaries, _fingerprint(engine))
    finally:
        engine.dispose()


def _fingerprint(engine: Engine) -> dict[str, Any]:
    """The books in totals that do not depend on ids or on which process wrote first."""
    with engine.connect() as conn:
        def grouped(table: sa.Table, key: str, value: str) -> dict[str, Any]:
            return {str(k): (int(n), str(total)) for k, n, total in conn.execute(
                sa.select(table.c[key], sa.func.count(), sa.func.sum(table.c[value]))
                .group_by(table.c[key]))}

        return {"ledger": grouped(t.ledger, "kind", "points"),
                "lots": grouped(t.lots, "expires_on", "remaining"),
                "memos": grouped(t.credit_memos, "status", "remaining"),
                "coupons": grouped(t.coupons, "status", "amount"),
                "postings": grouped(t.journal_postings, "account", "debit"),
                "enrollments": grouped(t.enrollments, "program_id", "held"),
                "days": _count(engine, t.maintenance_days)}


@contextmanager
def _databases(url: str, prefix: str) -> Iterator[tuple[str, Callable[[], Any]]]:
    """A new database on `url`'s server, and `copy_of()`: a context giving the URL of a new
    copy of it (`CREATE DATABASE ... TEMPLATE`, a file copy: the template must have no
    connection). Every one of them is dropped afterwards."""
    import secrets

    base = make_url(url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{secrets.token_hex(5)}"

    def made(new: str, template: str | None = None) -> str:
        copy = f' TEMPLATE "{template}"' if template else ""
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{new}"{copy}')
        return base.set(database=new).render_as_string(hide_password=False)

    def dropped(old: str) -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')

    @contextmanager
    def copy_of() -> Iterator[str]:
        copy = f"{name}_{secrets.token_hex(3)}"
        try:
            yield made(copy, name)
        finally:
            dropped(copy)

    try:
        yield made(name), copy_of
    finally:
        dropped(name)
        admin.dispose()
