"""Views of the service turned into answers, and opaque cursors for lists."""

from __future__ import annotations

import base64
import json
from typing import Any

from patronage.core.customers import CONTACT_FIELDS
from patronage.core.errors import invalid
from patronage.service.views import Balance, CustomerView, InvoiceView


def balance(b: Balance | None) -> dict[str, Any] | None:
    if b is None:
        return None
    return {"program": b.program, "program_name": b.program_name, "as_of": b.as_of,
            "pending": b.pending, "available": b.available, "earned": b.earned,
            "adjusted": b.adjusted, "used": b.used, "expired": b.expired,
            "forfeited": b.forfeited, "value": b.value,
            "expiring": [{"date": e.date, "points": e.points} for e in b.expiring],
            "tier": b.tier}  # issue 23 item 1 (T9)


def customer(v: CustomerView) -> dict[str, Any]:
    return {"id": v.id, "name": v.name, "email": v.email, "type": v.type, "status": v.status,
            "price_group": v.price_group,
            # the same shape as GET .../balance: the figures and each program's (E1)
            "balance": {**(balance(v.balance) or {}),
                        "programs": [balance(b) for b in v.balances]},
            "credit_memos": v.credit_memos, "coupons": v.coupons, "notes": v.notes,
            "cards": [{"number": n, "active": a} for n, a in v.cards],
            **{name: getattr(v, name) for name in CONTACT_FIELDS}}


def invoice(v: InvoiceView, after: Balance | None = None) -> dict[str, Any]:
    out = {f: getattr(v, f) for f in ("id", "store", "customer", "date", "type", "status",
                                      "subtotal", "loyalty_discount", "tax", "total",
                                      "redeemed_rewards", "credit_applied", "paid",
                                      "eligible_amount", "points", "accrued")}
    out["receipt_lines"] = [{"label": label, "amount": amount} for label, amount in
                            v.receipt_lines]
    out["balance"] = balance(after)
    out["points_earnable"] = v.points_earnable
    out["earned"] = [{"program": e.program, "points": e.points} for e in v.earned]
    return out


def cursor(key: Any) -> str | None:
    """An opaque cursor for the key of the last item of a page (None: no more pages)."""
    if key is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def uncursor(text: str | None, kind: type) -> Any:
    """The key inside a cursor given as `after`; a cursor we did not make is `invalid`."""
    if text is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, TypeError):
        raise invalid("after", "not a cursor this API gave out") from None
    if not isinstance(key, kind) or isinstance(key, bool):
        raise invalid("after", "not a cursor this API gave out")
    return key


def page(items: list[Any], next_key: Any) -> dict[str, Any]:
    return {"items": items, "next": cursor(next_key)}
