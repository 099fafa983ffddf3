"""Typed settings of the API server, read from the environment (prefix PATRONAGE_)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """Everything `patronage serve` and `patronage worker` can be told; command-line options
    override these. docs/operations.md explains the processes, the scheduler and /metrics."""

    model_config = SettingsConfigDict(env_prefix="PATRONAGE_", extra="ignore")

    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    threads: int = Field(default=16, ge=1, le=256, description="worker threads for requests")
    idempotency_hours: float = Field(default=24, gt=0)
    webhook_worker: bool = True
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    webhook_backoff_seconds: float = Field(default=5.0, gt=0)
    webhook_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    workers: int = Field(default=1, ge=1, le=64, description="server processes on one port")
    log_format: Literal["text", "json"] = "text"
    # the scheduler (entrypoints/scheduler.py): the daily run, the outbox, the purge
    scheduler: bool = Field(default=True, description="the server runs the scheduled jobs")
    scheduler_tick: float = Field(default=10.0, gt=0, le=3600,
                                  description="seconds between looks at what is due")
    scheduler_lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    daily_run_at: dt.time = Field(default=dt.time(0, 5),
                                  description="HH:MM in PATRONAGE_TIMEZONE")
    daily_run_workers: int = Field(default=1, ge=1, le=64, description="processes that "
                                   "work the daily run, split by customer range (PostgreSQL)")
    outbox_poll_seconds: float = Field(default=30.0, gt=0)
    purge_every_seconds: float = Field(default=600.0, gt=0)
    # monitoring: /ready and /metrics (entrypoints/api/metrics.py)
    ready_grace_minutes: int = Field(default=120, ge=0, le=24 * 60,
                                     description="how late the daily run may be")
    metrics_token: SecretStr | None = None
    metrics_cache_seconds: float = Field(default=60.0, ge=0,
                                         description="how long the all-time totals are kept")


def load(**overrides: object) -> ApiSettings:
    """The settings from the environment with `overrides` (None: not given) on top; a value
    the operator got wrong is an `invalid` refusal naming the variable, not a traceback."""
    from pydantic import ValidationError

    from patronage.core.errors import PatronageError, Problem

    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return ApiSettings(**given)  # type: ignore[arg-type]
    except ValidationError as err:
        problems = [Problem("PATRONAGE_" + "_".join(str(p) for p in e["loc"]).upper(), e["msg"])
                    for e in err.errors()]
        raise PatronageError("invalid", "a setting is not valid: "
                             + "; ".join(f"{p.field}: {p.message}" for p in problems),
                             problems) from None
