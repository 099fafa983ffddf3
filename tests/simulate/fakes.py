"""A hand-written stand-in for the `Patronage` facade: records calls, answers from dicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from patronage.core.errors import PatronageError, not_found
from patronage.entrypoints.simulate import Session
from patronage.service.clock import FixedClock
from patronage.service.views import Balance, CustomerView, InvoiceView


def customer_view(cid: str = "C1", **changes: Any) -> CustomerView:
    """A customer view with no enrollment; `changes` replace fields, `balance` may be a dict."""
    balance = changes.pop("balance", {})
    fields: dict[str, Any] = {
        "id": cid,
        "name": "",
        "email": None,
        "type": None,
        "status": None,
        "price_group": None,
        "balance": Balance(program=None, program_name=None, as_of=dt.date(2017, 1, 1), **balance),
        "credit_memos": [],
        "coupons": [],
        "notes": [],
        "cards": [],
    }
    fields.update(changes)
    return CustomerView(**fields)


def invoice_view(iid: str = "I1", **changes: Any) -> InvoiceView:
    zero = Decimal("0.00")
    fields: dict[str, Any] = {
        "id": iid,
        "store": 1,
        "customer": "C1",
        "date": dt.date(2017, 1, 1),
        "type": "sale",
        "status": "open",
        "subtotal": zero,
        "loyalty_discount": zero,
        "tax": zero,
        "total": zero,
        "redeemed_rewards": zero,
        "credit_applied": zero,
        "paid": zero,
        "eligible_amount": zero,
        "points": 0,
        "accrued": True,
    }
    fields.update(changes)
    return InvoiceView(**fields)


class FakeFacade:
    """Records (day, method, *args) for every write; reads come from plain attributes.

    `refusals` maps a write method to the error it raises; `on_refusal` lets a test make
    a refusal change something anyway (a broken unit of work).
    """

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.calls: list[tuple[Any, ...]] = []
        self.refusals: dict[str, Exception] = {}
        self.customers: dict[str, CustomerView] = {}
        self.invoices: dict[str, InvoiceView] = {}
        self.journal: dict[str, Decimal] = {}
        self.outbox = 0
        self.change_on_refusal = False

    def _write(self, method: str, *args: Any) -> None:
        self.calls.append((self.clock.today(), method, *args))
        error = self.refusals.get(method)
        if error is not None:
            if self.change_on_refusal:
                self.outbox += 1
            raise error

    def configure_shop(self, body: Any) -> None:
        self._write("configure_shop", body)

    def put_program(self, body: Any) -> None:
        self._write("put_program", body)

    def change_program(self, program_id: str, changes: dict[str, Any]) -> None:
        self._write("change_program", program_id, changes)

    def put_customer(self, body: Any) -> None:
        self._write("put_customer", body)

    def enroll(self, body: Any) -> None:
        self._write("enroll", body)

    def unenroll(self, body: Any) -> None:
        self._write("unenroll", body)

    def mass_enroll(self, body: Any) -> None:
        self._write("mass_enroll", body)

    def mass_unenroll(self, body: Any) -> None:
        self._write("mass_unenroll", body)

    def card(self, body: Any) -> None:
        self._write("card", body)

    def post_invoice(self, body: Any) -> None:
        self._write("post_invoice", body)

    def post_payment(self, body: Any) -> None:
        self._write("post_payment", body)

    def post_return(self, body: Any) -> None:
        self._write("post_return", body)

    def void_invoice(self, body: Any) -> None:
        self._write("void_invoice", body)

    def convert_layaway(self, body: Any) -> None:
        self._write("convert_layaway", body)

    def adjust(self, body: Any) -> None:
        self._write("adjust", body)

    def run_maintenance(self, body: Any) -> None:
        self._write("run_maintenance", body)

    def process_awards(self, body: Any) -> None:
        self._write("process_awards", body)

    def customer(self, customer_id: str, as_of: dt.date | None = None) -> CustomerView:
        if customer_id not in self.customers:
            raise not_found("customer", customer_id)
        return self.customers[customer_id]

    def invoice(self, invoice_id: str, store: int | None = None) -> InvoiceView:
        if invoice_id not in self.invoices:
            raise not_found("invoice", invoice_id)
        return self.invoices[invoice_id]

    def journal_balances(self) -> dict[str, Decimal]:
        return dict(self.journal)

    def outbox_count(self) -> int:
        return self.outbox

    def writes(self) -> list[str]:
        return [call[1] for call in self.calls]


class FakeOpener:
    """Opens sessions on fresh fakes, keeping each so a test can inspect it afterwards."""

    def __init__(self, prepare: Any = None) -> None:
        self.fakes: list[FakeFacade] = []
        self.prepare = prepare

    @contextmanager
    def __call__(self, first_day: dt.date) -> Iterator[Session]:
        clock = FixedClock(first_day)
        fake = FakeFacade(clock)
        if self.prepare is not None:
            self.prepare(fake)
        self.fakes.append(fake)
        yield Session(fake, clock)


def refusal(code: str, message: str = "refused") -> PatronageError:
    return PatronageError(code, message)
