"""The facade every entry point uses: one method per use case.

Each write runs in one unit of work (all or nothing) and refuses bad input with a
`PatronageError`. Bodies are the models of `inputs.py`, or plain mappings with the same
keys (parsed here, so a value a POS got wrong becomes an `invalid` refusal). A command
without a `date` takes the clock's today.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine

from patronage.service.clock import Clock, SystemClock
from patronage.service.views import Balance, CustomerView, InvoiceView, Outcome


class Patronage:
    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()

    # --- set-up ------------------------------------------------------------------------
    def configure_shop(self, body: Any) -> Outcome: ...  # ShopIn: upsert shop and its lists
    def put_program(self, body: Any) -> Outcome: ...  # ProgramIn: create or replace
    def change_program(self, program_id: str, changes: dict[str, Any]) -> Outcome: ...
    def open_program(self, program_id: str) -> Outcome: ...
    def close_program(self, program_id: str) -> Outcome: ...
    def put_customer(self, body: Any) -> Outcome: ...  # CustomerIn

    # --- enrollment and cards ------------------------------------------------------------
    def enroll(self, body: Any) -> Outcome: ...  # EnrollIn
    def unenroll(self, body: Any) -> Outcome: ...  # UnenrollIn
    def preview_mass_enroll(self, body: Any) -> list[str]: ...  # MassEnrollIn -> customer ids
    def mass_enroll(self, body: Any) -> Outcome: ...  # data: enrolled, skipped, failed
    def preview_mass_unenroll(self, body: Any) -> list[str]: ...
    def mass_unenroll(self, body: Any) -> Outcome: ...
    def card(self, body: Any) -> Outcome: ...  # CardIn: add or deactivate
    def find_by_card(self, number: str) -> str: ...  # the customer id

    # --- POS documents -------------------------------------------------------------------
    def post_invoice(self, body: Any) -> InvoiceView: ...
    def post_payment(self, body: Any) -> InvoiceView: ...
    def post_return(self, body: Any) -> Outcome: ...
    def void_invoice(self, body: Any) -> InvoiceView: ...
    def convert_layaway(self, body: Any) -> InvoiceView: ...
    def quote(self, body: Any) -> dict[str, Any]: ...  # changes nothing (C1)

    # --- balances ----------------------------------------------------------------------
    def adjust(self, body: Any) -> Outcome: ...

    # --- daily run and awards --------------------------------------------------------------
    def run_maintenance(self, body: Any) -> Outcome: ...  # MaintenanceIn
    def preview_awards(self, body: Any) -> list[dict[str, Any]]: ...  # ProcessAwardsIn
    def process_awards(self, body: Any) -> Outcome: ...

    # --- queries -----------------------------------------------------------------------
    def balance(self, customer_id: str, as_of: dt.date | None = None) -> Balance: ...
    def customer(self, customer_id: str, as_of: dt.date | None = None) -> CustomerView: ...
    def invoice(self, invoice_id: str, store: int | None = None) -> InvoiceView: ...
    def journal_balances(self) -> dict[str, Decimal]: ...  # account -> debits - credits
    def outbox_count(self) -> int: ...
