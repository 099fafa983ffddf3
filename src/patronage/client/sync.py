"""`PatronageClient`: the point-of-sale calls of the REST API as typed methods, on httpx.

Each method checks its body with the server's own input model before sending anything
(money must be `Decimal` or a decimal string; a float is refused as `invalid`), sends it
as JSON, retries what `RetryPolicy` says may be retried, and parses the answer into the
server's answer model. Every write (POST, PUT) carries an `Idempotency-Key` made once per
call and sent again on each retry, so a write whose answer was lost is applied once: the
server answers the retry with the first answer. Pass `idempotency_key=` to choose it
yourself (e.g. stored with the sale, to survive a restart of the till).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Self, TypeVar
from urllib.parse import quote as escape

import httpx
from pydantic import BaseModel, RootModel, ValidationError

from patronage import __version__
from patronage.client import models as m
from patronage.client.errors import FieldProblem, PatronageApiError, from_response, unreachable
from patronage.client.retry import TRANSIENT, RetryPolicy
from patronage.service.inputs import invalid_from

Answer = TypeVar("Answer", bound=BaseModel)
Body = BaseModel | Mapping[str, Any]
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def segment(value: str | int) -> str:
    """One path segment: an id with `/` or `?` in it stays one segment."""
    return escape(str(value), safe="")


def given(**values: Any) -> dict[str, Any]:
    """The keyword arguments the caller gave (None and False mean "not said")."""
    return {k: v for k, v in values.items() if v is not None and v is not False}


def checked(model: type[m.Input], data: Body) -> dict[str, Any]:
    """`data` checked by `model` as the server will check it, as JSON-ready values
    (Decimal as its exact string). A refusal raises before anything is sent."""
    raw = data.model_dump(exclude_unset=True) if isinstance(data, BaseModel) else dict(data)
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        refusal = invalid_from(exc)
        raise PatronageApiError(refusal.code, refusal.message, None,
                                [FieldProblem(p.field, p.message)
                                 for p in refusal.problems]) from None
    return parsed.model_dump(mode="json", exclude_unset=True)


def query(**values: Any) -> dict[str, str]:
    return {k: v.isoformat() if isinstance(v, dt.date) else str(v)
            for k, v in values.items() if v is not None}


class PatronageClient:
    """A connection to one Patronage server with one API key.

    >>> with PatronageClient("http://127.0.0.1:8000", key) as pos:
    ...     pos.find_card("4000123").balance.available
    """

    def __init__(self, base_url: str, api_key: str, *, timeout: float | httpx.Timeout = 10.0,
                 retry: RetryPolicy | None = None, key_prefix: str = "",
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """`timeout` is per try (connect, read, write); `retry` says how often and how long
        to wait between tries; `key_prefix` starts every Idempotency-Key made here (e.g.
        the till's name, which makes them easy to find in the audit); `transport` and
        `sleep` are for tests."""
        self.retry = retry or RetryPolicy()
        self.key_prefix = key_prefix
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport,
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json",
                     "User-Agent": f"patronage-client/{__version__}"})

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def new_idempotency_key(self) -> str:
        return f"{self.key_prefix}{uuid.uuid4()}"

    # --- the one way a request is made ------------------------------------------------------

    def request(self, method: str, path: str, answer: type[Answer], *,
                body: dict[str, Any] | None = None, params: Mapping[str, str] | None = None,
                idempotency_key: str | None = None, write: bool | None = None) -> Answer:
        """Send one logical request, retrying per `self.retry`, and parse its answer.
        A write (by default any method but GET) carries one Idempotency-Key for all tries."""
        headers = {}
        if write is None:
            write = method in WRITES
        if write:
            headers["Idempotency-Key"] = idempotency_key or self.new_idempotency_key()
        content = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        request = self._http.build_request(method, path, content=content, params=params,
                                           headers=headers)
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.retry.attempts
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                if last or not isinstance(exc, TRANSIENT):
                    raise unreachable(request, exc) from exc
                self._sleep(self.retry.backoff_delay(attempt))
                continue
            if response.is_success:
                return answer.model_validate_json(response.content)
            wait = None if last else self.retry.delay_after(response, attempt)
            if wait is None:
                raise from_response(response)
            self._sleep(wait)

    # --- reads -------------------------------------------------------------------------------

    def health(self) -> m.Health:
        return self.request("GET", "/v1/health", m.Health)

    def shop(self) -> m.ShopOut:
        return self.request("GET", "/v1/shop", m.ShopOut)

    def customer(self, customer_id: str, *, as_of: dt.date | None = None) -> m.CustomerOut:
        """The customer with balance, credit memos, coupons, notes and cards."""
        return self.request("GET", f"/v1/customers/{segment(customer_id)}", m.CustomerOut,
                            params=query(as_of=as_of))

    def find_card(self, number: str, *, as_of: dt.date | None = None) -> m.CustomerOut:
        """Scan a card: its customer (`not_found` unknown, `card_inactive` deactivated)."""
        return self.request("GET", f"/v1/cards/{segment(number)}", m.CustomerOut,
                            params=query(as_of=as_of))

    def balance(self, customer_id: str, *, as_of: dt.date | None = None) -> m.BalanceOut:
        return self.request("GET", f"/v1/customers/{segment(customer_id)}/balance",
                            m.BalanceOut, params=query(as_of=as_of))

    def invoice(self, invoice_id: str, *, store: int | None = None) -> m.InvoiceOut:
        return self.request("GET", f"/v1/invoices/{segment(invoice_id)}", m.InvoiceOut,
                            params=query(store=store))

    def quote(self, cart: Body) -> m.QuoteOut:
        """C1: what a cart would earn and what can pay for it. Changes nothing, so it
        carries no Idempotency-Key (it is retried all the same)."""
        return self.request("POST", "/v1/quotes", m.QuoteOut, body=checked(m.QuoteBody, cart),
                            write=False)

    # --- the till ------------------------------------------------------------------------------

    def post_invoice(self, invoice: Body, *, idempotency_key: str | None = None) -> m.InvoiceOut:
        """Post a sale (or layaway, order, ...); `redeem` spends rewards or credit memos."""
        return self.request("POST", "/v1/invoices", m.InvoiceOut,
                            body=checked(m.InvoiceIn, invoice), idempotency_key=idempotency_key)

    def post_payment(self, invoice_id: str, *, id: str, store: int, tender: str,
                     amount: Decimal | str, date: dt.date | None = None,
                     idempotency_key: str | None = None) -> m.InvoiceOut:
        """A later payment on an invoice; `id` is the payment's own id."""
        body = checked(m.PaymentBody, given(id=id, store=store, tender=tender, amount=amount,
                                            date=date))
        return self.request("POST", f"/v1/invoices/{segment(invoice_id)}/payments",
                            m.InvoiceOut, body=body, idempotency_key=idempotency_key)

    def post_return(self, goods_return: Body, *,
                    idempotency_key: str | None = None) -> m.ReturnOut:
        """A return against an invoice (sku and qty) or without one (customer, prices)."""
        return self.request("POST", "/v1/returns", m.ReturnOut,
                            body=checked(m.ReturnIn, goods_return),
                            idempotency_key=idempotency_key)

    def void(self, invoice_id: str, *, store: int | None = None, date: dt.date | None = None,
             user: str | None = None, idempotency_key: str | None = None) -> m.InvoiceOut:
        """Undo an invoice (a manager's key): points reversed, what it spent given back."""
        body = checked(m.VoidBody, given(store=store, date=date, user=user))
        return self.request("POST", f"/v1/invoices/{segment(invoice_id)}/void", m.InvoiceOut,
                            body=body, idempotency_key=idempotency_key)

    def convert_layaway(self, invoice_id: str, *, store: int | None = None,
                        date: dt.date | None = None,
                        idempotency_key: str | None = None) -> m.InvoiceOut:
        """Turn a layaway into a sale: it earns on the conversion date."""
        body = checked(m.ConvertBody, given(store=store, date=date))
        return self.request("POST", f"/v1/invoices/{segment(invoice_id)}/convert",
                            m.InvoiceOut, body=body, idempotency_key=idempotency_key)

    # --- the back office (a manager's or an admin's key) ---------------------------------------

    def put_customer(self, customer_id: str, *, name: str | None = None,
                     email: str | None = None, type: str | None = None,
                     status: str | None = None, price_group: str | None = None,
                     idempotency_key: str | None = None) -> m.CustomerOut:
        """Add or change a customer."""
        body = checked(m.CustomerBody, given(name=name, email=email, type=type, status=status,
                                             price_group=price_group))
        return self.request("PUT", f"/v1/customers/{segment(customer_id)}", m.CustomerOut,
                            body=body, idempotency_key=idempotency_key)

    def add_card(self, customer_id: str, number: str, *,
                 idempotency_key: str | None = None) -> m.CustomerOut:
        return self.request("POST", f"/v1/customers/{segment(customer_id)}/cards",
                            m.CustomerOut, body=checked(m.CardBody, {"number": number}),
                            idempotency_key=idempotency_key)

    def enroll(self, customer_id: str, program: str, *, close_current: bool = False,
               date: dt.date | None = None, user: str | None = None,
               idempotency_key: str | None = None) -> m.EnrollmentOut:
        body = checked(m.EnrollBody, given(program=program, close_current=close_current,
                                           date=date, user=user))
        return self.request("POST", f"/v1/customers/{segment(customer_id)}/enrollment",
                            m.EnrollmentOut, body=body, idempotency_key=idempotency_key)

    def adjust(self, customer_id: str, *, points: int | None = None,
               set_balance: int | None = None, reason: str | None = None,
               expires: dt.date | None = None, allow_negative: bool = False,
               date: dt.date | None = None, id: str | None = None, user: str | None = None,
               idempotency_key: str | None = None) -> m.AdjustmentOut:
        """Give or take points (`points`), or set the available balance (`set_balance`)."""
        body = checked(m.AdjustBody, given(points=points, set_balance=set_balance,
                                           reason=reason, expires=expires,
                                           allow_negative=allow_negative, date=date, id=id,
                                           user=user))
        return self.request("POST", f"/v1/customers/{segment(customer_id)}/adjustments",
                            m.AdjustmentOut, body=body, idempotency_key=idempotency_key)

    def run_maintenance(self, *, date: dt.date | None = None, store: int | None = None,
                        user: str | None = None,
                        idempotency_key: str | None = None) -> m.MaintenanceOut:
        """The daily run (expiry, maturity, awards), catching up missed days."""
        body = checked(m.MaintenanceIn, given(date=date, store=store, user=user))
        return self.request("POST", "/v1/maintenance-runs", m.MaintenanceOut, body=body,
                            idempotency_key=idempotency_key)

    def put_shop(self, shop: Body, *, idempotency_key: str | None = None) -> m.ShopOut:
        """The shop, its stores and reasons (an admin's key)."""
        return self.request("PUT", "/v1/shop", m.ShopOut, body=checked(m.ShopIn, shop),
                            idempotency_key=idempotency_key)

    def put_program(self, program: Body, *,
                    idempotency_key: str | None = None) -> dict[str, Any]:
        """Create or replace a program, in the scenario format (an admin's key)."""
        return self.request("POST", "/v1/programs", Program, body=checked(m.ProgramIn, program),
                            idempotency_key=idempotency_key).root


class Program(RootModel[dict[str, Any]]):
    """A program as the API answers it: the scenario format's mapping, kept as it is."""
