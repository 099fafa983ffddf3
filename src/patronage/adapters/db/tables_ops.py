"""Tables of the processes that run unattended: one lease row per scheduled job.

A row names a job (`daily`, `outbox`, `webhooks`, `purge`), the process that holds it and
until when. A process claims a job with a conditional UPDATE (free, expired, or its own)
and renews it while it runs, so across any number of processes and machines on one
database a job runs in one place at a time. The last run's outcome is kept on the same
row, for `/metrics` and `/ready` in every process. Times are UTC wall-clock times.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, String, Table, Text

from patronage.adapters.db.tables import metadata

job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("holder", String(200), nullable=False),  # host:pid:nonce of the process
    Column("expires_at", DateTime, nullable=False),
    Column("last_started_at", DateTime),
    Column("last_success_at", DateTime),
    Column("last_duration_ms", BigInteger),  # of the last successful run
    Column("last_error", Text),
    Column("last_error_at", DateTime),
)
