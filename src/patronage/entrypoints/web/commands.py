"""CLI commands of the back office, registered on the main `patronage` app:

  patronage users create --role R --name N [--password P] [--store S]   (prompts for P)
  patronage users list
  patronage journal export --from D --to D [--out FILE]
  patronage statements send --program P [--as-of D] [--print FILE]
  patronage outbox send
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

Database = Annotated[str | None, typer.Option("--database", help="Database URL (default: "
                     "$PATRONAGE_DATABASE_URL or sqlite:///patronage.db)")]
Day = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="A date")]

users_app = typer.Typer(help="Console users: create, list.", no_args_is_help=True)
journal_app = typer.Typer(help="Journal entries for the accountant.", no_args_is_help=True)
statements_app = typer.Typer(help="Balance letters to every member of a program.",
                             no_args_is_help=True)
outbox_app = typer.Typer(help="Queued emails and letters.", no_args_is_help=True)


def _guard(fn: Any) -> Any:
    from patronage.entrypoints.cli import guarded

    return guarded(fn)


def _facade(database: str | None) -> Any:
    from patronage.bootstrap import open_app

    return open_app(database)


@users_app.command("create")
def users_create(
    role: Annotated[str, typer.Option(help="cashier, manager or admin")],
    name: Annotated[str, typer.Option(help="The user name to log in with")],
    password: Annotated[str | None, typer.Option(help="Asked for when not given")] = None,
    store: Annotated[int | None, typer.Option(help="The user's store")] = None,
    database: Database = None,
) -> None:
    """Create a console user (the password is stored as an argon2 hash)."""
    from patronage.entrypoints.web import accounts

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    def body() -> None:
        user = accounts.create_user(_facade(database).engine, name, role, password, store)
        typer.echo(f"user {user.name} created ({user.role})")

    _guard(body)


@users_app.command("list")
def users_list(database: Database = None) -> None:
    """List console users."""
    from patronage.entrypoints.web import accounts

    def body() -> None:
        for u in accounts.list_users(_facade(database).engine):
            typer.echo(f"{u['name']}\t{u['role']}\t{'active' if u['active'] else 'inactive'}")

    _guard(body)


@journal_app.command("export")
def journal_export(
    start: Annotated[dt.datetime, typer.Option("--from", formats=["%Y-%m-%d"])],
    end: Annotated[dt.datetime, typer.Option("--to", formats=["%Y-%m-%d"])],
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout")] = None,
    database: Database = None,
) -> None:
    """Balanced journal entries dated in [from, to] as CSV: date, account, debit, credit,
    memo, reference, entry (one entry's postings share `entry`)."""
    from patronage.entrypoints.web.csvout import to_csv
    from patronage.entrypoints.web.routes.reports import JOURNAL_COLUMNS
    from patronage.service import reports

    def body() -> None:
        rows = _facade(database).read(
            lambda tx: reports.journal_lines(tx, start.date(), end.date()))
        text = to_csv(rows, JOURNAL_COLUMNS)
        if out is None:
            typer.echo(text, nl=False)
        else:
            out.write_text(text, newline="")
            typer.echo(f"{len(rows)} postings written to {out}", err=True)

    _guard(body)


@statements_app.command("send")
def statements_send(
    program: Annotated[str, typer.Option(help="The program whose members get a statement")],
    as_of: Day = None,
    print_to: Annotated[Path | None, typer.Option("--print", help="Also write the letters "
                        "without an email address to this HTML file, for printing")] = None,
    database: Database = None,
) -> None:
    """Queue a balance letter for every member of a program, then send what can be sent."""
    from patronage.adapters.smtp import SmtpSettings
    from patronage.service import messaging

    def body() -> None:
        app = _facade(database)
        day = as_of.date() if as_of else None
        queued = app.run(lambda tx: messaging.queue_statements(tx, program, day))
        typer.echo(json.dumps({k: v for k, v in queued.items() if k != "ids"}))
        typer.echo(json.dumps(messaging.send_outbox(app.engine, SmtpSettings())))
        if print_to is not None:
            letters = app.read(messaging.letters_to_print)
            ids = [m["id"] for m in letters if m["id"] in set(queued["ids"])]
            rendered = app.read(lambda tx: messaging.render_letters(tx, ids))
            css = (messaging.PACKAGE_TEMPLATES / "letters" / "_print.css").read_text()
            html = "".join(r["html"] for r in rendered)
            print_to.write_text(f"<!doctype html><html><head><meta charset='utf-8'><style>{css}"
                                f"</style></head><body class='letters'>{html}</body></html>")
            typer.echo(f"{len(rendered)} letters to print written to {print_to}", err=True)

    _guard(body)


@outbox_app.command("send")
def outbox_send(database: Database = None) -> None:
    """One pass over the outbox: send every queued message that is due (SMTP settings from
    PATRONAGE_SMTP_HOST, _PORT, _FROM, _STARTTLS, _USER, _PASSWORD)."""
    from patronage.adapters.smtp import SmtpSettings
    from patronage.service import messaging

    _guard(lambda: typer.echo(json.dumps(messaging.send_outbox(_facade(database).engine,
                                                               SmtpSettings()))))


def register(app: typer.Typer) -> None:
    """Add the back office's commands to `app`."""
    app.add_typer(users_app, name="users")
    app.add_typer(journal_app, name="journal")
    app.add_typer(statements_app, name="statements")
    app.add_typer(outbox_app, name="outbox")
