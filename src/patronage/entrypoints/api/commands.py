"""CLI commands of the API: `patronage serve`, `patronage keys ...`, `patronage webhooks ...`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from patronage.entrypoints.render import to_jsonable

Database = Annotated[str | None, typer.Option("--database", help="Database URL (default: "
                     "$PATRONAGE_DATABASE_URL or sqlite:///patronage.db)")]
keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhooks: deliver what is due, list.", no_args_is_help=True)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [8000]")] = None,
    database: Database = None,
) -> None:
    """Run the REST API (and the web console at /) on the database, migrating it first."""
    import uvicorn

    from patronage.bootstrap import open_app
    from patronage.entrypoints.api.app import create_app
    from patronage.entrypoints.api.settings import ApiSettings
    from patronage.entrypoints.cli import guarded

    settings = ApiSettings()
    updates = {k: v for k, v in {"host": host, "port": port, "database_url": database}.items()
               if v is not None}
    settings = settings.model_copy(update=updates)
    facade = guarded(lambda: open_app(settings.database_url))
    app = create_app(facade, settings=settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info",
                timeout_graceful_shutdown=10)


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="cashier, manager or admin")],
    name: Annotated[str, typer.Option(help="A unique name, e.g. the till or integration")],
    database: Database = None,
) -> None:
    """Make a key and print it alone on stdout; it is never shown again."""
    from patronage.entrypoints.api import records
    from patronage.entrypoints.cli import facade, guarded

    made = guarded(lambda: records.create_key(facade(database), name, role))
    typer.echo(made["key"])


@keys_app.command("list")
def keys_list(database: Database = None) -> None:
    """Keys with their role; revoked keys show when."""
    from patronage.entrypoints.api import records
    from patronage.entrypoints.cli import facade, guarded

    for k in guarded(lambda: records.list_keys(facade(database))):
        revoked = f"revoked {k['revoked_at'].isoformat()}" if k["revoked_at"] else "active"
        typer.echo(f"{k['id']}\t{k['name']}\t{k['role']}\t{k['prefix']}...\t{revoked}")


@keys_app.command("revoke")
def keys_revoke(name_or_id: Annotated[str, typer.Argument(metavar="NAME|ID")],
                database: Database = None) -> None:
    """Revoke a key by name or id; requests with it are refused from now on."""
    from patronage.entrypoints.api import records
    from patronage.entrypoints.cli import facade, guarded

    k = guarded(lambda: records.revoke_key(facade(database), name_or_id))
    typer.echo(f"key {k['name']} revoked")


@webhooks_app.command("deliver")
def webhooks_deliver(database: Database = None) -> None:
    """One pass: queue new events for every webhook and send what is due."""
    from patronage.entrypoints.api.settings import ApiSettings
    from patronage.entrypoints.api.worker import HttpSender
    from patronage.entrypoints.cli import facade, guarded
    from patronage.service import webhooks

    s = ApiSettings()
    sender = HttpSender(s.webhook_timeout_seconds)
    try:
        counts = guarded(lambda: webhooks.run_once(facade(database), sender,
                                                   s.webhook_backoff_seconds,
                                                   s.webhook_backoff_max_seconds))
    finally:
        sender.close()
    typer.echo(json.dumps(counts))


@webhooks_app.command("list")
def webhooks_list(database: Database = None) -> None:
    """Webhooks and the events they receive."""
    from patronage.entrypoints.cli import facade, guarded
    from patronage.service import webhooks

    typer.echo(json.dumps(to_jsonable(guarded(lambda: webhooks.listing(facade(database)))),
                          indent=2))


def register(app: typer.Typer) -> None:
    """Add `serve`, `keys` and `webhooks` to the main `patronage` command."""
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")
    app.add_typer(webhooks_app, name="webhooks")
