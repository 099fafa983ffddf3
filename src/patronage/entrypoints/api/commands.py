"""CLI commands of the API: `patronage serve`, `patronage worker`, `patronage keys ...`,
`patronage webhooks ...`. docs/operations.md says how they are run in production."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from patronage.entrypoints.render import to_jsonable

if TYPE_CHECKING:
    from patronage.entrypoints.api.settings import ApiSettings

Database = Annotated[str | None, typer.Option("--database", help="Database URL (default: "
                     "$PATRONAGE_DATABASE_URL or sqlite:///patronage.db)")]
keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhooks: deliver what is due, list.", no_args_is_help=True)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [8000]")] = None,
    workers: Annotated[int | None, typer.Option(
        help="Server processes sharing the port [1; $PATRONAGE_WORKERS]")] = None,
    database: Database = None,
) -> None:
    """Run the REST API (and the web console at /) on the database, migrating it first.

    Unless PATRONAGE_SCHEDULER=false each process also runs the scheduled jobs (the daily
    run, the outbox, webhooks), each in one process at a time across every server and
    worker on the database."""
    from patronage.entrypoints import logs
    from patronage.entrypoints.api.settings import load
    from patronage.entrypoints.cli import guarded

    settings = guarded(lambda: load(host=host, port=port, workers=workers,
                                    database_url=database))
    log_config = logs.configure(settings.log_format)
    if settings.workers > 1:
        _serve_workers(settings, log_config)
        return
    import uvicorn

    from patronage.bootstrap import open_app
    from patronage.entrypoints.api.app import create_app

    facade = guarded(lambda: open_app(settings.database_url))
    app = create_app(facade, settings=settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=log_config,
                timeout_graceful_shutdown=10)


def _serve_workers(settings: ApiSettings, log_config: dict[str, Any]) -> None:
    """N processes on one socket (entrypoints/processes.py), each with its own app."""
    import logging

    from patronage.bootstrap import open_engine
    from patronage.entrypoints import processes
    from patronage.entrypoints.cli import guarded

    metrics_dir, made = processes.prepare_metrics_directory()  # before prometheus-client
    guarded(lambda: open_engine(settings.database_url).dispose())  # migrate once, up front
    sock = guarded(lambda: processes.listen(settings.host, settings.port))
    host, port = sock.getsockname()[:2]
    logging.getLogger("patronage.processes").info(
        "serving on http://%s:%d with %d worker processes", host, port, settings.workers)

    def child(_index: int) -> None:
        import uvicorn

        from patronage.bootstrap import open_app
        from patronage.entrypoints.api.app import create_app

        app = create_app(open_app(settings.database_url, migrate=False), settings=settings)
        config = uvicorn.Config(app, log_config=log_config, timeout_graceful_shutdown=10)
        uvicorn.Server(config).run(sockets=[sock])

    try:
        processes.Supervisor(child, settings.workers).run()
    finally:
        sock.close()
        if made:
            import shutil

            shutil.rmtree(metrics_dir, ignore_errors=True)


def worker(
    once: Annotated[bool, typer.Option("--once", help="One look at every job, then exit")]
    = False,
    database: Database = None,
) -> None:
    """Run the scheduled jobs (the daily run, the outbox, webhooks, the purge) until stopped.

    For servers started with PATRONAGE_SCHEDULER=false and PATRONAGE_WEBHOOK_WORKER=false;
    any number of workers and servers may run on one database: each job runs in one
    process at a time. SIGTERM finishes the job in progress, then exits."""
    import signal

    from patronage.bootstrap import open_app
    from patronage.entrypoints import logs
    from patronage.entrypoints.api.settings import load
    from patronage.entrypoints.cli import guarded
    from patronage.entrypoints.scheduler import Scheduler

    settings = guarded(lambda: load(database_url=database))
    logs.configure(settings.log_format)
    facade = guarded(lambda: open_app(settings.database_url))
    scheduler = Scheduler.of(facade, settings)
    if once:
        try:
            typer.echo(json.dumps(to_jsonable(scheduler.tick(force=True))))
        finally:
            scheduler.release()
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: scheduler.stop(timeout=0))
    scheduler.run_forever()


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
    """Add `serve`, `worker`, `keys` and `webhooks` to the main `patronage` command."""
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.add_typer(keys_app, name="keys")
    app.add_typer(webhooks_app, name="webhooks")
