"""Credit memos and coupons by hand, from the customer's page (issue 21 item 7): a manager
issues one to any customer (a credit memo belongs to the manager's store) or cancels an
open one. A refused issue shows the form again with each problem beside its field.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from patronage.core.errors import PatronageError
from patronage.entrypoints.web.deps import ConsoleDep, Manager, Posted, page, redirect, refused
from patronage.entrypoints.web.routes.console import console_router
from patronage.service import reports, rewards_manual

router = console_router()
KINDS = {"credit_memo": "credit memo", "coupon": "coupon"}
FIELDS = ("amount", "reason", "expires", "note", "kind")


def _url(customer_id: str) -> str:
    return "/customers/" + urllib.parse.quote(customer_id, safe="")


def _text(form: Any, key: str) -> str:
    return str(form.get(key) or "").strip()


@router.post("/customers/{customer_id}/rewards")
def issue(customer_id: str, request: Request, user: Manager, form: Posted,
          c: ConsoleDep) -> Response:
    kind = _text(form, "kind") or "credit_memo"
    values = {name: _text(form, name) for name in FIELDS} | {"kind": kind}
    body: dict[str, Any] = {"customer": customer_id, "user": user.name,
                            "amount": values["amount"] or None,
                            "reason": values["reason"] or None,
                            "expires": values["expires"] or None,
                            "note": values["note"] or None}
    if kind == "credit_memo" and user.store_id is not None:
        body["store"] = user.store_id  # W5: the memo belongs to the store of who issues it
    try:
        if kind not in KINDS:
            raise PatronageError("invalid", f"{kind!r} is not a credit memo or a coupon", [])
        act = rewards_manual.issue_credit_memo if kind == "credit_memo" \
            else rewards_manual.issue_coupon
        done = c.facade.run(lambda tx: act(tx, body), user=user.name)
    except PatronageError as err:
        if err.code == "not_found" and "customer" in err.fields:
            return refused("/customers", err)
        return _form_again(request, c, customer_id, values, err)
    made = done["credit_memo"] or done["coupon"]
    return redirect(_url(customer_id), f"{KINDS[kind]} {made.id} of {made.amount} issued")


def _form_again(request: Request, c: ConsoleDep, customer_id: str, values: dict[str, str],
                err: PatronageError) -> Response:
    """The form with what was typed and each problem beside its field; problems of no
    field of the form are listed above it."""
    errors: dict[str, list[str]] = {}
    others = []
    for p in err.problems:
        name = p.field.split(".")[0]
        if name in FIELDS:
            errors.setdefault(name, []).append(p.message)
        else:
            others.append(f"{p.field}: {p.message}")
    if not err.problems:
        others.append(err.message)
    cust = c.facade.customer(customer_id)
    reasons = c.facade.read(reports.shop_lists)["reasons"]
    return page(request, "reward_issue.html", status_code=422, title="Issue by hand",
                cust=cust, values=values, errors=errors, others=others, reasons=reasons,
                message=f"{err.code}: {err.message}", url=_url(customer_id))


@router.post("/customers/{customer_id}/credit-memos/{memo_id}/cancel")
def cancel_memo(customer_id: str, memo_id: int, user: Manager, form: Posted,
                c: ConsoleDep) -> Response:
    return _cancel(c, user, form, customer_id, "credit memo", memo_id,
                   rewards_manual.cancel_credit_memo)


@router.post("/customers/{customer_id}/coupons/{coupon_id}/cancel")
def cancel_coupon(customer_id: str, coupon_id: int, user: Manager, form: Posted,
                  c: ConsoleDep) -> Response:
    return _cancel(c, user, form, customer_id, "coupon", coupon_id, rewards_manual.cancel_coupon)


def _cancel(c: ConsoleDep, user: Manager, form: Posted, customer_id: str, label: str,
            reward_id: int, cancel: Any) -> Response:
    body = {"customer": customer_id, "user": user.name, "note": _text(form, "note") or None}
    try:
        done = c.facade.run(lambda tx: cancel(tx, reward_id, body), user=user.name)
    except PatronageError as err:
        return refused(_url(customer_id), err)
    if done["repeated"]:
        return redirect(_url(customer_id), f"{label} {reward_id} was cancelled already")
    return redirect(_url(customer_id), f"{label} {reward_id} cancelled")
