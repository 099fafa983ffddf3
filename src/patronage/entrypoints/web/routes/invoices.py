"""Invoices (issue 21 item 6): find by id, customer or date; one invoice whole; and what a
counter does to it: void (manager), return lines, record a payment, convert a layaway
(cashier, as in the API). Each action first shows what it will change (the command run
and rolled back, `service/trial.py`), then does it when confirmed.
"""

from __future__ import annotations

import math
import secrets
import urllib.parse
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patronage.core.errors import PatronageError, Problem, invalid
from patronage.entrypoints.web.accounts import User
from patronage.entrypoints.web.deps import (
    ConsoleDep,
    ConsoleRoute,
    Forbidden,
    Posted,
    Viewer,
    day,
    int_or_none,
    page,
    redirect,
)
from patronage.entrypoints.web.forms import errors_of
from patronage.service import explaining, invoice_desk, invoices, returns
from patronage.service.app import Patronage
from patronage.service.invoice_desk import Search
from patronage.service.trial import effects_of

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)
ACTIONS = {"void": "Void the invoice", "return": "Return lines", "payment": "Record a payment",
           "convert": "Convert the layaway to a sale"}
MANAGER_ONLY = {"void"}


def invoice_url(store: int, invoice_id: str) -> str:
    return f"/invoices/{store}/" + urllib.parse.quote(invoice_id, safe="")


@router.get("/invoices", response_class=HTMLResponse)
def invoices_find(request: Request, user: Viewer, c: ConsoleDep, q: str = "", customer: str = "",
                  start: str = "", end: str = "", store: str = "", page_no: str = "1") -> Response:
    shown = {"q": q.strip(), "customer": customer.strip(), "start": start, "end": end,
             "store": store}
    errors: dict[str, list[str]] = {}
    found: list[dict[str, Any]] = []
    total, number = 0, 1
    try:
        number = max(int_or_none(page_no, "page_no") or 1, 1)
        search = Search(text=shown["q"], customer=shown["customer"], start=day(start, None),
                        end=day(end, None), store=int_or_none(store), page=number)
        found, total = c.facade.read(lambda tx: invoice_desk.find_invoices(tx, search))
    except PatronageError as err:
        errors = errors_of(err, ("q", "customer", "start", "end", "store"),
                           lambda f: {"date": "start"}.get(f, f))
    pages = max(math.ceil(total / invoice_desk.PAGE_SIZE), 1)
    query = urllib.parse.urlencode({k: v for k, v in shown.items() if v})
    return page(request, "invoices.html", status_code=422 if errors else 200, title="Invoices",
                form=shown, found=found, total=total, page_no=number, pages=pages, query=query,
                errors=errors, url=invoice_url)


@router.get("/invoices/{store}/{invoice_id:path}", response_class=HTMLResponse)
def invoice_page(store: int, invoice_id: str, request: Request, user: Viewer,
                 c: ConsoleDep) -> Response:
    try:
        return _invoice_page(request, c.facade, store, invoice_id)
    except PatronageError as err:
        return redirect("/invoices", f"{err.code}: {err.message}", "error")


def _invoice_page(request: Request, app: Patronage, store: int, invoice_id: str,
                  status_code: int = 200, **ctx: Any) -> Response:
    detail, why = app.read(lambda tx: (invoice_desk.invoice_detail(tx, store, invoice_id),
                                       explaining.explain_by_id(tx, invoice_id, store)),
                           primary=True)  # why: issue 21 item 9, in the same read
    typed = ctx.pop("typed", {})
    return page(request, "invoice.html", status_code=status_code,
                title=f"Invoice {invoice_id}", inv=detail, url=invoice_url(store, invoice_id),
                actions=ACTIONS, typed=typed, errors=ctx.pop("errors", {}), why=why,
                failed=ctx.pop("failed", ""), **ctx)


@router.post("/invoices/{store}/{invoice_id:path}/{action}", response_class=HTMLResponse)
def invoice_act(store: int, invoice_id: str, action: str, request: Request, user: Viewer,
                form: Posted, c: ConsoleDep) -> Response:
    if action not in ACTIONS:
        return redirect(invoice_url(store, invoice_id), f"unknown action {action!r}", "error")
    if action in MANAGER_ONLY and not user.can("manager"):
        raise Forbidden(f"voiding an invoice needs the manager role; you are {user.role}")
    typed = {k: str(v) for k, v in form.items() if k != "csrf"}
    if not typed.get("ref"):  # made once, carried by the confirmation: a retry is a repeat
        typed["ref"] = f"web-{secrets.token_hex(6)}"
    try:
        body, shown = _body(action, store, invoice_id, typed, user)
        command = _command(action, body)
        if form.get("confirm") != "yes":
            effects = effects_of(c.facade, command, store, invoice_id)
            return page(request, "invoice_confirm.html", title=ACTIONS[action],
                        action=action, verb=ACTIONS[action], effects=effects, typed=typed,
                        shown=shown, invoice_id=invoice_id, url=invoice_url(store, invoice_id))
        c.facade.run(command, user=user.name)
    except PatronageError as err:
        return _invoice_page(request, c.facade, store, invoice_id, status_code=422,
                             typed=typed, failed=action,
                             errors=errors_of(err, _fields(action, typed), _renamer(typed)))
    return redirect(invoice_url(store, invoice_id), _done(action, shown))


def _body(action: str, store: int, invoice_id: str, typed: dict[str, str],
          user: User) -> tuple[dict[str, Any], dict[str, Any]]:
    """The command's body, and what the confirmation shows of it."""
    base: dict[str, Any] = {"invoice": invoice_id, "store": store}
    if action == "void":
        return base | {"user": user.name}, {}
    if action == "convert":
        return base, {}
    if action == "payment":
        amount = typed.get("amount", "").strip()
        tender = typed.get("tender", "").strip()
        return base | {"id": typed["ref"], "tender": tender, "amount": amount}, \
            {"tender": tender, "amount": amount}
    wanted = []
    for key, value in typed.items():
        if key.startswith("qty.") and value.strip() not in ("", "0"):
            sku = typed.get(f"sku.{key[4:]}", "")
            wanted.append((key, sku, _quantity(key, value)))
    if not wanted:
        raise PatronageError("invalid", "choose a quantity to return on at least one line",
                             [Problem("lines", "nothing to return")])
    body = base | {"id": typed["ref"], "lines": [{"sku": sku, "qty": str(qty)}
                                                  for _, sku, qty in wanted]}
    return body, {"lines": [(sku, qty) for _, sku, qty in wanted]}


def _quantity(key: str, value: str) -> Decimal:
    try:
        qty = Decimal(value.strip())
    except InvalidOperation:
        raise invalid(key, f"not a number: {value.strip()!r}") from None
    if not qty.is_finite() or qty <= 0:
        raise invalid(key, "more than 0, please")
    return qty


def _command(action: str, body: dict[str, Any]) -> Any:
    if action == "void":
        return lambda tx: returns.void_invoice(tx, body)
    if action == "return":
        return lambda tx: returns.post_return(tx, body)
    if action == "payment":
        return lambda tx: invoices.post_payment(tx, body)
    return lambda tx: invoices.convert_layaway(tx, body)


def _fields(action: str, typed: dict[str, str]) -> list[str]:
    if action == "payment":
        return ["amount", "tender"]
    if action == "return":
        return [k for k in typed if k.startswith("qty.")] + ["lines"]
    return []


def _renamer(typed: dict[str, str]) -> Any:
    """A return's `lines.N.qty` is the Nth line asked for: the form's `qty.L`."""
    asked = [k for k, v in typed.items() if k.startswith("qty.") and v.strip() not in ("", "0")]

    def rename(field: str) -> str:
        parts = field.split(".")
        if len(parts) > 1 and parts[0] == "lines" and parts[1].isdigit() \
                and int(parts[1]) < len(asked):
            return asked[int(parts[1])]
        return field

    return rename


def _done(action: str, shown: dict[str, Any]) -> str:
    if action == "void":
        return "invoice voided"
    if action == "convert":
        return "layaway converted to a sale"
    if action == "payment":
        return f"payment of {shown['amount']} ({shown['tender']}) recorded"
    count = len(shown["lines"])
    return f"return of {count} line{'' if count == 1 else 's'} recorded"
