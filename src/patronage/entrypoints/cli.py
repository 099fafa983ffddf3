"""The `patronage` command: a thin Typer layer over the service facade.

Errors print their stable code and a message, never a traceback; exit status 1 for a
refusal, 2 for a usage problem.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from patronage.core.errors import PatronageError
from patronage.entrypoints.render import to_jsonable

T = TypeVar("T")

app = typer.Typer(help="Patronage: a customer loyalty and rewards engine.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
programs_app = typer.Typer(help="Programs: apply a file, list, open, close.", no_args_is_help=True)
customers_app = typer.Typer(help="Customers: add, show, list.", no_args_is_help=True)
cards_app = typer.Typer(help="Loyalty cards: add, deactivate, find.", no_args_is_help=True)
db_app = typer.Typer(help="Database: migrations.", no_args_is_help=True)
app.add_typer(programs_app, name="programs")
app.add_typer(customers_app, name="customers")
app.add_typer(cards_app, name="cards")
app.add_typer(db_app, name="db")

Database = Annotated[str | None, typer.Option("--database", help="Database URL (default: "
                     "$PATRONAGE_DATABASE_URL or sqlite:///patronage.db)")]
Day = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Business date")]


def fail(code: str, message: str, status: int = 1) -> None:
    typer.echo(f"error: {code}: {message}", err=True)
    raise typer.Exit(status)


def guarded(fn: Callable[[], T]) -> T:
    """Run a command body, turning refusals and unexpected faults into one clear line."""
    try:
        return fn()
    except PatronageError as err:
        fail(err.code, err.message)
    except (typer.Exit, typer.Abort):
        raise
    except Exception as err:  # a user sees one line; PATRONAGE_DEBUG shows the traceback
        if os.environ.get("PATRONAGE_DEBUG"):
            raise
        fail("internal", f"{type(err).__name__}: {err}")
    raise AssertionError("unreachable")  # pragma: no cover


def facade(database: str | None) -> Any:
    from patronage.adapters.db.engine import new_sqlite_file
    from patronage.bootstrap import open_app

    created = new_sqlite_file(database)
    app = open_app(database)
    if created is not None:  # never silently: a command run in the wrong folder shows it
        typer.echo(f"note: created a new, empty database at {created} (set "
                   "PATRONAGE_DATABASE_URL or --database to use another)", err=True)
    return app


def day_of(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def emit(data: Any) -> None:
    typer.echo(json.dumps(to_jsonable(data), indent=2))


def read_yaml(path: Path) -> Any:
    """A YAML file's data; what cannot be read (not UTF-8, not YAML, a date that does not
    exist, an alias bomb) exits 2 with `file:line: invalid: message`."""
    from patronage.entrypoints.simulate.source import YamlSyntaxError, decode
    from patronage.entrypoints.simulate.source import read_yaml as parse

    try:
        return parse(decode(path.read_bytes())).data
    except OSError as err:
        fail("not_found" if isinstance(err, FileNotFoundError) else "invalid",
             f"cannot read {path}: {err.strerror or err}", 2)
    except YamlSyntaxError as err:
        typer.echo(f"{path}:{err.line}: invalid: {err.message}", err=True)
        raise typer.Exit(2) from None


@app.command()
def simulate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files")],
    database: Annotated[str | None, typer.Option(
        "--database", help="A PostgreSQL URL: each scenario runs in a fresh schema that is "
        "dropped after. Default: a fresh in-memory SQLite database. Never the live database.")
    ] = None,
) -> None:
    """Run scenario files against a fresh shop; exit 0 when every check holds."""
    from patronage.entrypoints.simulate import simulate as run_scenarios

    raise typer.Exit(run_scenarios([str(f) for f in files], database))


@programs_app.command("apply")
def programs_apply(file: Path, database: Database = None) -> None:
    """Create or update the shop and programs from a file with `shop:` and `programs:`."""
    doc = read_yaml(file)
    if doc is None:
        fail("invalid", f"{file} is empty: nothing to apply (sections: shop, programs, "
             "customers)", 2)
    if not isinstance(doc, dict):
        fail("invalid", f"{file}: a mapping with sections shop, programs, customers", 2)
    unknown = {str(k) for k in doc} - {"shop", "programs", "customers", "timeline"}
    if unknown:
        fail("invalid", f"unknown sections: {', '.join(sorted(unknown))}", 2)
    if "timeline" in doc:  # a scenario file: its set-up applies, its story is simulate's
        typer.echo("timeline: not applied (run it with `patronage simulate`)", err=True)
    for section in ("programs", "customers"):
        if not isinstance(doc.get(section) or [], list):
            fail("invalid", f"{file}: {section} is a list", 2)

    def body() -> None:
        svc = facade(database)
        if doc.get("shop"):
            typer.echo(svc.configure_shop(doc["shop"]).message)
        for p in doc.get("programs") or []:
            typer.echo(svc.put_program(p).message)
        for c in doc.get("customers") or []:
            typer.echo(svc.put_customer(c).message)

    guarded(body)


@programs_app.command("list")
def programs_list(database: Database = None) -> None:
    """List programs with their kind and status."""
    def body() -> None:
        svc = facade(database)
        for p in svc.read(lambda tx: tx.repo.programs()):
            typer.echo(f"{p.id}\t{p.kind}\t{p.status}\t{p.name}")

    guarded(body)


@programs_app.command("open")
def programs_open(program: str, database: Database = None) -> None:
    """Open a program (every problem is listed if it cannot open)."""
    guarded(lambda: typer.echo(facade(database).open_program(program).message))


@programs_app.command("close")
def programs_close(program: str, database: Database = None) -> None:
    """Close a program to new enrollments."""
    guarded(lambda: typer.echo(facade(database).close_program(program).message))


@customers_app.command("add")
def customers_add(
    id: str, name: str = "", email: str | None = None, type: str | None = None,
    status: str | None = None, database: Database = None,
) -> None:
    """Add or update a customer."""
    body = {"id": id, "name": name, "email": email, "type": type, "status": status}
    guarded(lambda: typer.echo(facade(database).put_customer(
        {k: v for k, v in body.items() if v not in (None, "")} | {"id": id}).message))


@customers_app.command("show")
def customers_show(customer: str, as_of: Day = None, database: Database = None) -> None:
    """Everything about a customer, as JSON."""
    guarded(lambda: emit(facade(database).customer(customer, day_of(as_of))))


@customers_app.command("list")
def customers_list(
    search: Annotated[str, typer.Argument(help="Part of an id, name or email, or a card number")] = "",
    limit: int = 50, database: Database = None,
) -> None:
    """Find customers."""
    def body() -> None:
        for c in facade(database).find_customers(search, limit):
            typer.echo(f"{c['id']}\t{c['name']}\t{c['email'] or ''}\t{c['status'] or ''}")

    guarded(body)


@app.command()
def enroll(
    customer: str, program: str,
    close_current: Annotated[bool, typer.Option("--close-current")] = False,
    date: Day = None, user: str | None = None, database: Database = None,
) -> None:
    """Enroll a customer in a program."""
    body = {"customer": customer, "program": program, "close_current": close_current,
            "date": day_of(date), "user": user}
    guarded(lambda: typer.echo(facade(database).enroll(body).message))


@app.command()
def unenroll(customer: str, date: Day = None, user: str | None = None,
             database: Database = None) -> None:
    """Close a customer's enrollment (its points are forfeited)."""
    body = {"customer": customer, "date": day_of(date), "user": user}
    guarded(lambda: typer.echo(facade(database).unenroll(body).message))


@cards_app.command("add")
def cards_add(customer: str, number: str, database: Database = None) -> None:
    """Give a customer a loyalty card."""
    guarded(lambda: typer.echo(facade(database).card({"customer": customer, "add": number}).message))


@cards_app.command("deactivate")
def cards_deactivate(number: str, database: Database = None) -> None:
    """Deactivate a lost card."""
    guarded(lambda: typer.echo(facade(database).card({"deactivate": number}).message))


@cards_app.command("find")
def cards_find(number: str, database: Database = None) -> None:
    """Scan a card: print its customer's id."""
    guarded(lambda: typer.echo(facade(database).find_by_card(number)))


@app.command()
def adjust(
    customer: Annotated[str | None, typer.Argument()] = None,
    points: Annotated[int | None, typer.Option(help="Give (+) or take (-) points")] = None,
    set_balance: Annotated[int | None, typer.Option(help="New available balance")] = None,
    expires: Day = None, reason: str | None = None, user: str | None = None,
    allow_negative: Annotated[bool, typer.Option("--allow-negative")] = False,
    file: Annotated[Path | None, typer.Option("--file", help="CSV: customer,points,set_balance,"
                                               "expires,reason,user,allow_negative,id,date; "
                                               "applied whole or not at all")] = None,
    date: Day = None, database: Database = None,
    program: Annotated[str | None, typer.Option(
        help="E1 `many`: the program to adjust when the customer holds several")] = None,
) -> None:
    """Adjust a customer's points, or many from a CSV file (J5)."""
    if file is not None:
        guarded(lambda: adjust_file(facade(database), file, day_of(date)))
        return
    if customer is None:
        fail("invalid", "name a customer or give --file", 2)
    body = {"customer": customer, "points": points, "set_balance": set_balance,
            "expires": day_of(expires), "reason": reason, "user": user,
            "allow_negative": allow_negative, "date": day_of(date)}
    if program is not None:
        body["program"] = program
    guarded(lambda: emit(facade(database).adjust(body).data))


def adjust_file(svc: Any, file: Path, day: dt.date | None) -> None:
    """The whole file or nothing of it, every bad line reported at once; a row without an
    id gets one derived from the file, so running it again changes nothing (docs/
    decisions.md, "Bulk files")."""
    from patronage.entrypoints.ops.files import read_adjustments
    from patronage.service.bulk import apply_adjustments

    if not file.is_file():
        fail("not_found", f"no file {file}", 2)
    result = apply_adjustments(svc, read_adjustments(file), day)
    for err in result.errors:
        typer.echo(f"{file}:{err.line}: {err.code}: {err.message}", err=True)
    if result.errors:
        typer.echo(f"nothing adjusted: {len(result.errors)} of {result.documents} rows refused "
                   "(the file is applied whole or not at all: fix them and run it again)")
        raise typer.Exit(1)
    typer.echo(f"{result.done} adjusted, {result.repeated} already done")


@app.command()
def maintenance(
    date: Day = None, store: int | None = None, user: str | None = None,
    database: Database = None,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, max=64, help="Processes that work the run, split by customer "
        "range (PostgreSQL; SQLite: one). A run in progress is joined")] = 1,
    parts: Annotated[int | None, typer.Option(
        "--parts", min=1, help="Customer ranges per day (default: one per 100,000 customers, "
        "at least one per worker); given, the run is split even with one worker")] = None,
) -> None:
    """Run the daily maintenance for a date (catching up missed days), in one process and
    one transaction, or split by customer range across `--workers` processes."""
    from patronage.entrypoints.ops.daily_run import open_run, run_split

    def body() -> dict[str, Any]:
        svc = facade(database)
        wanted = {"date": day_of(date), "store": store, "user": user}
        if workers == 1 and parts is None and open_run(svc) is None:
            return svc.run_maintenance(wanted).data  # type: ignore[no-any-return]
        return run_split(svc, wanted, workers, parts)  # (or finish the split run in progress)

    emit(guarded(body))


@app.command()
def balance(customer: str, as_of: Day = None, database: Database = None,
            program: Annotated[str | None, typer.Option(
                help="E1 `many`: that program's balance")] = None,
            programs: Annotated[bool, typer.Option(
                "--programs", help="E1 `many`: a list, one balance per program")] = False,
            ) -> None:
    """A customer's balance as JSON (with several programs: the oldest enrollment's, or
    `--program`'s; `--programs` lists each)."""
    if programs:
        guarded(lambda: emit(facade(database).balances(customer, day_of(as_of))))
    else:
        guarded(lambda: emit(facade(database).balance(customer, day_of(as_of), program)))


@db_app.command("upgrade")
def db_upgrade(database: Database = None) -> None:
    """Migrate the database to the newest schema."""
    from patronage.bootstrap import open_engine

    def upgrade() -> None:
        open_engine(database)  # migrates as it opens
        typer.echo("database is at the newest schema")

    guarded(upgrade)


def _register_entry_points() -> None:
    from patronage.entrypoints.api import commands as api_commands
    from patronage.entrypoints.ops import backup as backup_commands
    from patronage.entrypoints.ops import commands as ops_commands
    from patronage.entrypoints.web import commands as web_commands

    for module in (api_commands, ops_commands, web_commands, backup_commands):
        module.register(app)


_register_entry_points()


def main() -> None:
    app(prog_name="patronage")



