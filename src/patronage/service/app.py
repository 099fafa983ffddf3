"""The facade every entry point uses: one method per use case.

Each write runs in one unit of work (all or nothing) and refuses bad input with a
`PatronageError`. Bodies are the models of `inputs.py`, or plain mappings with the same
keys (parsed by the handler, so a value a POS got wrong becomes an `invalid` refusal).
A command without a `date` takes the clock's today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.engine import Engine

from patronage.adapters.db.engine import READ_ONLY, lookups
from patronage.adapters.db.repository import Repository
from patronage.adapters.smtp import SmtpSettings
from patronage.service import (
    adjustments,
    awards_manual,
    enrollment,
    invoices,
    maintenance,
    messaging,
    queries,
    reports,
    returns,
    setup,
)
from patronage.service.clock import Clock, SystemClock
from patronage.service.uow import Tx, bulk_unit_of_work, ride, unit_of_work, write_after_lookup
from patronage.service.views import Balance, CustomerView, InvoiceView, Outcome

T = TypeVar("T")


def _plain(body: Any) -> Any:
    return body.model_dump(exclude_unset=True) if isinstance(body, BaseModel) else body


class Patronage:
    def __init__(self, engine: Engine, clock: Clock | None = None, send_mail: bool = True,
                 read_engine: Engine | None = None) -> None:
        self.engine = engine
        # A streaming replica for reports, listings and exports (PATRONAGE_READ_DATABASE_URL);
        # the primary when there is none.
        self.read_engine = read_engine or engine
        self.lookup_engine = lookups(engine)  # `read(primary=True)`: see lookups
        self.clock = clock or SystemClock()
        self.send_mail = send_mail  # False for scenario runs and benchmarks: never real mail

    def run(self, fn: Callable[[Tx], T], user: str | None = None) -> T:
        with unit_of_work(self.engine, self.clock, user=user) as tx:
            return fn(tx)

    def read(self, fn: Callable[[Tx], T], primary: bool = False) -> T:
        """Run a query; it writes nothing (on PostgreSQL a primary read is a lookup, which
        refuses writes and records the request's audit row itself, `uow.write_after_lookup`;
        elsewhere it is rolled back). It reads the replica when there is one:
        reports, listings, exports. A replica lags the primary (by milliseconds, more under
        load), so `primary=True` for a read that a write decides on or that must see a write
        just made: a quote, a preview, the point lookups a POS makes around its posts."""
        with (self.lookup_engine if primary else self.read_engine).connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            tx = Tx(Repository(conn), self.clock.today(), self.clock.now())
            try:
                ride(tx)
                answer = fn(tx)
                write_after_lookup(tx)
                return answer
            finally:
                conn.rollback()

    # --- set-up ------------------------------------------------------------------------
    def configure_shop(self, body: Any) -> Outcome:
        return Outcome(self.run(lambda tx: setup.configure_shop(tx, _plain(body))))

    def put_program(self, body: Any) -> Outcome:
        return Outcome(self.run(lambda tx: setup.put_program(tx, _plain(body))))

    def change_program(self, program_id: str, changes: dict[str, Any]) -> Outcome:
        return Outcome(self.run(lambda tx: setup.change_program(tx, program_id, changes)))

    def open_program(self, program_id: str) -> Outcome:
        return Outcome(self.run(lambda tx: setup.set_program_status(tx, program_id, "open")))

    def close_program(self, program_id: str) -> Outcome:
        return Outcome(self.run(lambda tx: setup.set_program_status(tx, program_id, "closed")))

    def put_customer(self, body: Any) -> Outcome:
        return Outcome(self.run(lambda tx: setup.put_customer(tx, _plain(body))))

    # --- enrollment and cards ------------------------------------------------------------
    def enroll(self, body: Any) -> Outcome:
        return Outcome(self.run(lambda tx: enrollment.enroll(tx, _plain(body))))

    def unenroll(self, body: Any) -> Outcome:
        return Outcome(self.run(lambda tx: enrollment.unenroll(tx, _plain(body))))

    def preview_mass_enroll(self, body: Any) -> list[str]:
        return self.read(lambda tx: enrollment.preview_mass_enroll(tx, _plain(body)), primary=True)

    def mass_enroll(self, body: Any) -> Outcome:
        data = self.run(lambda tx: enrollment.mass_enroll(tx, _plain(body)))
        return Outcome(f"enrolled {data['enrolled']}, skipped {data['skipped']}, "
                       f"failed {data['failed']}", data)

    def preview_mass_unenroll(self, body: Any) -> list[str]:
        return self.read(lambda tx: enrollment.preview_mass_unenroll(tx, _plain(body)),
                         primary=True)

    def mass_unenroll(self, body: Any) -> Outcome:
        data = self.run(lambda tx: enrollment.mass_unenroll(tx, _plain(body)))
        return Outcome(f"unenrolled {data['unenrolled']}, skipped {data['skipped']}, "
                       f"failed {data['failed']}", data)

    def card(self, body: Any) -> Outcome:
        return Outcome(self.run(lambda tx: enrollment.card(tx, _plain(body))))

    def find_by_card(self, number: str) -> str:
        return self.read(lambda tx: enrollment.find_by_card(tx, number), primary=True)

    # --- POS documents -------------------------------------------------------------------
    # `with_balance`: the answer carries the customer's balance after the command, read in
    # the command's own transaction (one transaction a request; see docs/scaling.md).
    def post_invoice(self, body: Any, with_balance: bool = False) -> InvoiceView:
        return self.run(lambda tx: queries.invoice_by_pk(
            tx, invoices.post_invoice(tx, _plain(body)), with_balance))

    def post_payment(self, body: Any, with_balance: bool = False) -> InvoiceView:
        return self.run(lambda tx: queries.invoice_by_pk(
            tx, invoices.post_payment(tx, _plain(body)), with_balance))

    def post_return(self, body: Any, with_balance: bool = False) -> Outcome:
        def command(tx: Tx) -> dict[str, Any]:
            plain = _plain(body)
            data = returns.post_return(tx, plain)
            # the customer it was booked to, else the one it names (a sale without one)
            whose = data["customer"] or (plain.get("customer") if isinstance(plain, dict)
                                         else None)
            if with_balance and whose is not None:
                data["balance"] = queries.balance(tx, whose)
            return data

        data = self.run(command)
        return Outcome(f"return {data['return']}: {data['points_taken']} points taken", data)

    def void_invoice(self, body: Any, with_balance: bool = False) -> InvoiceView:
        return self.run(lambda tx: queries.invoice_by_pk(
            tx, returns.void_invoice(tx, _plain(body)), with_balance))

    def convert_layaway(self, body: Any, with_balance: bool = False) -> InvoiceView:
        return self.run(lambda tx: queries.invoice_by_pk(
            tx, invoices.convert_layaway(tx, _plain(body)), with_balance))

    def quote(self, body: Any, explain: bool = False) -> dict[str, Any]:
        # What the customer would get now: it must see the balance the last post wrote.
        return self.read(lambda tx: invoices.quote(tx, _plain(body), explain), primary=True)

    # --- balances ------------------------------------------------------------------------
    def adjust(self, body: Any) -> Outcome:
        data = self.run(lambda tx: adjustments.adjust(tx, _plain(body)))
        return Outcome(f"adjusted by {data['points']} points", data)

    # --- daily run and awards ------------------------------------------------------------
    def run_maintenance(self, body: Any = None) -> Outcome:
        with bulk_unit_of_work(self.engine, self.clock) as tx:  # many rows: batched writes
            data = maintenance.run(tx, _plain(body) or {})
        # M1's last step, after commit: the sender's own writes must not wait on the run's.
        if self.send_mail:
            data["mail"] = messaging.send_outbox(self.engine, SmtpSettings(),
                                                  now=self.clock.now())
        return Outcome(f"maintenance ran {data['days']} day(s) to {data['to']}", data)

    def preview_awards(self, body: Any) -> list[dict[str, Any]]:
        return self.read(lambda tx: awards_manual.preview(tx, _plain(body)), primary=True)

    def process_awards(self, body: Any) -> Outcome:
        data = self.run(lambda tx: awards_manual.process(tx, _plain(body)))
        return Outcome(f"processed {data['customers']} customer(s), {data['awards']} award(s)", data)

    # --- queries -------------------------------------------------------------------------
    def balance(self, customer_id: str, as_of: dt.date | None = None,
                program: str | None = None) -> Balance:
        return self.read(lambda tx: queries.balance(tx, customer_id, as_of, program),
                         primary=True)

    def balance_by_program(self, customer_id: str, as_of: dt.date | None = None,
                           program: str | None = None) -> tuple[Balance, list[Balance]]:
        """E1: the customer's (or `program`'s) balance and each program's, in one read."""
        return self.read(lambda tx: queries.balance_by_program(tx, customer_id, as_of, program),
                         primary=True)

    def balances(self, customer_id: str, as_of: dt.date | None = None) -> list[Balance]:
        """E1 `many`: one balance per open enrollment, oldest first."""
        return self.read(lambda tx: queries.balances(tx, customer_id, as_of), primary=True)

    def customer(self, customer_id: str, as_of: dt.date | None = None) -> CustomerView:
        return self.read(lambda tx: queries.customer(tx, customer_id, as_of), primary=True)

    def invoice(self, invoice_id: str, store: int | None = None) -> InvoiceView:
        return self.read(lambda tx: queries.invoice(tx, invoice_id, store), primary=True)

    def find_customers(self, text: str = "", limit: int = 50) -> list[dict[str, Any]]:
        return self.read(lambda tx: queries.find_customers(tx, text, limit))

    def journal_balances(self) -> dict[str, Decimal]:
        return self.read(lambda tx: tx.repo.account_balances())

    def outbox_count(self) -> int:
        return self.read(lambda tx: tx.repo.outbox_count(), primary=True)

    def outbox_messages(self, limit: int = 10_000) -> list[dict[str, Any]]:
        """The outbox's messages, oldest first (a scenario's `messages` check)."""
        return self.read(lambda tx: reports.outbox(tx, limit=limit)[::-1], primary=True)
