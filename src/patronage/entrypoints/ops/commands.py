"""Operator commands on the main `patronage` app: `import ...`, `bench`, `check`.

Thin: each reads its options, calls the service layer (service/bulk.py, service/check.py)
or the benchmark, and prints. Refusals print `error: CODE: message` and exit 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from patronage.entrypoints.cli import Database, facade, fail, guarded

OnError = Annotated[str, typer.Option("--on-error", help="skip: report a bad row and go on; "
                                      "stop: report it and stop (what came before is kept)")]
Batch = Annotated[int, typer.Option("--batch", min=1, help="Documents per transaction")]
Quiet = Annotated[bool, typer.Option("--quiet", help="No progress, only the summary")]

BATCH = 5000  # = service.bulk.BATCH (that module is imported only when a command runs)

import_app = typer.Typer(help="Bulk import from CSV files: customers, invoices, payments, "
                         "adjustments. Idempotent by id; bad rows reported by line.",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `import`, `bench` and `check` to the main app."""
    app.add_typer(import_app, name="import")
    app.command("check")(check)
    app.command("bench")(bench)


def check(database: Database = None,
          limit: Annotated[int, typer.Option(help="Faults listed per check")] = 1000) -> None:
    """Prove the ledger: caches equal the sums of entries, journal entries balance, L3 holds
    for every enrollment, and the journal matches the ledger (each points bank's liability,
    each credit memo's and coupon's, entry kind by entry kind). Lists each fault; exit 1 if
    there is one."""
    from patronage.service import check as checks

    def body() -> None:
        svc = facade(database)
        report = svc.read(lambda tx: checks.run(tx, limit))
        for fault in report.faults:
            typer.echo(f"fault: {fault}")
        counted = ", ".join(f"{n} {what}" for what, n in report.counted.items())
        if report.ok:
            typer.echo(f"ok: the books hold ({counted})")
            return
        typer.echo(f"{len(report.faults)} fault(s) ({counted})", err=True)
        raise typer.Exit(1)

    guarded(body)


def _import(kind: str, file: Path, database: str | None, on_error: str, batch: int,
            quiet: bool, payments: Path | None = None) -> None:
    from patronage.entrypoints.ops import progress
    from patronage.entrypoints.ops.files import READERS, in_date_order
    from patronage.service import bulk

    if on_error not in ("skip", "stop"):
        fail("invalid", "--on-error is skip or stop", 2)
    for path in (file, payments):
        if path is not None and not path.is_file():
            fail("not_found", f"no file {path}", 2)

    def body() -> None:
        svc = facade(database)
        more: dict[str, object] = {}
        if payments:
            more["payments"] = READERS["payments"](payments)
        rows = [in_date_order(path, name) for path, name in ((file, kind), (payments, "payments"))
                if path is not None]
        if all(n is not None for n in rows):  # in date order: streamed, whatever its size
            more["total"] = sum(n for n in rows if n is not None)
        with progress.reporter(kind, quiet) as report:
            result = bulk.IMPORTS[kind](svc, READERS[kind](file), on_error=on_error,
                                        batch=batch, progress=report, **more)
        for err in result.errors:
            where = payments if payments and err.kind == "payment" else file
            typer.echo(f"{where}:{err.line}: {err.code}: {err.message}", err=True)
        typer.echo(result.summary())
        if result.errors:
            raise typer.Exit(1)

    guarded(body)


@import_app.command("customers")
def import_customers(file: Path, database: Database = None, on_error: OnError = "skip",
                     batch: Batch = BATCH, quiet: Quiet = False) -> None:
    """CSV: id,name,email,type,status,program,enrolled_on,card (the last three may be
    blank), and optionally phone,address_line1,address_line2,city,region,postal_code,
    country. Adds or updates customers, enrolls them, gives them their card; a status the
    shop does not define is refused (when it defines any)."""
    _import("customers", file, database, on_error, batch, quiet)


@import_app.command("invoices")
def import_invoices(
    file: Path, database: Database = None, on_error: OnError = "skip", batch: Batch = BATCH,
    quiet: Quiet = False,
    payments: Annotated[Path | None, typer.Option(
        "--payments", help="A payments file to post with them, merged by date (what "
        "paid_in_full programs need to replay history exactly)")] = None,
) -> None:
    """CSV, one row per line: invoice_id,date,store,customer,type,job_type,sku,item_type,
    product_line,sub_department,vendor,manufacturer,qty,price,discount,tax (tax is the
    line's). Rows of one invoice are consecutive. Posted in date order, the daily run
    catching up to each date first, exactly as if they had come from the POS that day."""
    _import("invoices", file, database, on_error, batch, quiet, payments)


@import_app.command("payments")
def import_payments(file: Path, database: Database = None, on_error: OnError = "skip",
                    batch: Batch = BATCH, quiet: Quiet = False) -> None:
    """CSV: payment_id,invoice_id,date,store,tender,amount. Posted in date order."""
    _import("payments", file, database, on_error, batch, quiet)


@import_app.command("adjustments")
def import_adjustments(file: Path, database: Database = None, on_error: OnError = "skip",
                       batch: Batch = BATCH, quiet: Quiet = False) -> None:
    """CSV: customer,points,set_balance,expires,reason,user,allow_negative,id,date (J5). A
    row without an id gets one from the file's name and what it asks: it applies once
    however often the file is imported."""
    _import("adjustments", file, database, on_error, batch, quiet)


def bench(
    customers: Annotated[int, typer.Option("--customers", min=10,
                                           help="Customers to make (lines: 5 per customer)")]
    = 20_000,
    database: Annotated[str | None, typer.Option(
        "--database", help="A PostgreSQL URL to measure there, in a temporary schema "
        "(default: a temporary SQLite file)")] = None,
    large: Annotated[bool, typer.Option("--large", help="A million customers")] = False,
    runs: Annotated[int | None, typer.Option(
        "--runs", min=1, help="How many times the import and its storage limit are measured "
        "(a pair, each into a new database); the median pair is given [default: 3, 1 with "
        "--large]")] = None,
    quiet: Quiet = False,
    daily_workers: Annotated[str | None, typer.Option(
        "--daily-workers", help="Instead: the daily run split by customer range, timed with "
        "each number of worker processes, e.g. 1,2,4, beside the unsplit run, on copies of "
        "one imported shop (PostgreSQL: a scratch database, made and dropped)")] = None,
    daily_days: Annotated[int, typer.Option(
        "--daily-days", min=1, max=3660, help="With --daily-workers: the days the catch-up "
        "run after the next day's run goes over (366: a year, every lot expired)")] = 366,
) -> None:
    """Measure: import lines/s against the storage limit, online posting, the daily run,
    balance lookups. Makes its own data in a scratch database; prints JSON."""
    from patronage.entrypoints.ops.bench import run_bench, run_daily_bench

    size = 1_000_000 if large else customers
    if daily_workers is not None:
        counts = [int(n) for n in daily_workers.split(",") if n.strip().isdigit() and int(n)]
        if not counts or len(counts) != len(daily_workers.split(",")):
            fail("invalid", "--daily-workers: worker counts separated by commas, e.g. 1,2,4", 2)
        guarded(lambda: typer.echo(json.dumps(
            run_daily_bench(size, database or "", counts, quiet, daily_days), indent=2)))
        return
    pairs = runs if runs is not None else 1 if large else 3
    guarded(lambda: typer.echo(json.dumps(run_bench(size, database, quiet=quiet, runs=pairs),
                                          indent=2)))
