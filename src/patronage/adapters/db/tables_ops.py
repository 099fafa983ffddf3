"""Tables of the processes that run unattended: one lease row per scheduled job.

A row names a job (`daily`, `outbox`, `webhooks`, `purge`), the process that holds it and
until when. A process claims a job with a conditional UPDATE (free, expired, or its own)
and renews it while it runs, so across any number of processes and machines on one
database a job runs in one place at a time. The last run's outcome is kept on the same
row, for `/metrics` and `/ready` in every process. Times are UTC wall-clock times.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Date, DateTime, Integer, String, Table, Text

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

# The daily run split by customer range (migration 0007_run_parts): one row per day of a
# run and range of customer ids. A worker claims a row (FOR UPDATE SKIP LOCKED on
# PostgreSQL), runs that day for those customers and sets `done_at` in the same transaction,
# so a part is done whole or not at all. Ranges are [first_customer, end_customer) in byte
# order (COLLATE "C" on PostgreSQL, SQLite's own order); None is open-ended.
run_parts = Table(
    "run_parts",
    metadata,
    Column("run_id", BigInteger, primary_key=True),  # maintenance_runs.id
    Column("day", Date, primary_key=True),
    Column("part", Integer, primary_key=True),
    Column("first_customer", String(100)),
    Column("end_customer", String(100)),
    Column("store_id", Integer),  # the store the run books to (resolved when planned)
    Column("user", String(100)),
    Column("done_at", DateTime),
    Column("holder", String(200)),  # host:pid:nonce of the process that did it
    Column("counts", JSON),  # what the part did, as run_day counts it
)

# Expiry reminders queued by the daily run (migration 0011_reminders, issue 23 item 4): one
# row per lot (`points`) or credit memo (`credit`) and threshold in days, written in the
# transaction that queues the message, so a day run again or split in parts never queues a
# reminder twice (the primary key refuses a second row).
reminders = Table(
    "reminders",
    metadata,
    Column("kind", String(10), primary_key=True),  # points | credit
    Column("subject_id", BigInteger, primary_key=True),  # lots.id or credit_memos.id
    Column("days", Integer, primary_key=True),  # the program's threshold it was sent for
    Column("customer_id", String(100), nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("queued_on", Date, nullable=False),  # the day of the daily run that queued it
)
