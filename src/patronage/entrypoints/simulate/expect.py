"""The schema of `expect` blocks: which keys may be written and what each value means.

The loader uses `expect_problems` to refuse unknown keys and unreadable expected values
(exit 2); the checker uses `expected` to read a value the same way before comparing it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from patronage.core.money import D
from patronage.entrypoints.simulate.source import NodePath

Kind = Literal["points", "int", "money", "date", "text", "texts"]
"""points/int: whole numbers; money: exact, a missing amount counts as 0.00; date:
YYYY-MM-DD, with null or `never` for no date; text: a string or null; texts: strings."""


@dataclass(frozen=True)
class ItemsOf:
    """A list compared whole and in order; within each item only the written keys."""

    noun: str
    fields: Mapping[str, Kind]


Field = Kind | ItemsOf

MEMO_FIELDS: Mapping[str, Kind] = {
    "amount": "money",
    "remaining": "money",
    "expires": "date",
    "store": "int",
    "status": "text",
    "reason": "text",
}
COUPON_FIELDS: Mapping[str, Kind] = {
    "amount": "money",
    "status": "text",
    "expires": "date",
    "applied": "money",
    "forfeited": "money",
}
BALANCE_FIELDS: Mapping[str, Kind] = {
    "pending": "points",
    "available": "points",
    "earned": "points",
    "adjusted": "points",
    "used": "points",
    "expired": "points",
    "forfeited": "points",
    "value": "money",
}
CUSTOMER_FIELDS: Mapping[str, Field] = {
    "program": "text",
    **BALANCE_FIELDS,
    "price_group": "text",
    "credit_memos": ItemsOf("credit memo", MEMO_FIELDS),
    "coupons": ItemsOf("coupon", COUPON_FIELDS),
    "notes_contain": "texts",
    # issue 23 item 1 (docs/scenarios.md "Tiers"): the tier held (of `program:`'s
    # enrollment, as the balance figures) and the customer's moves, oldest first
    "tier": "text",
    "tier_changes": ItemsOf("tier change", {"date": "date", "program": "text", "from": "text",
                                            "to": "text", "reason": "text",
                                            "qualifying": "money"}),
}
INVOICE_FIELDS: Mapping[str, Field] = {
    "points": "points",
    "redeemed_rewards": "money",
    "loyalty_discount": "money",
    "credit_applied": "money",
    "status": "text",
    "eligible_amount": "money",
    "total": "money",
    # E1 `many` (docs/decisions.md): the points by program, oldest enrollment first
    "earned": ItemsOf("program share", {"program": "text", "points": "points"}),
}
MESSAGE_FIELDS: Mapping[str, Kind] = {  # docs/scenarios.md: the outbox message by message
    "event": "text",
    "channel": "text",
    "recipient": "text",
    "subject": "text",
    "template": "text",
    "status": "text",
    "customer": "text",
    "expires": "date",
    "days": "int",
    "points": "points",
    "amount": "money",
}
MESSAGES = ItemsOf("message", MESSAGE_FIELDS)
SECTIONS = ("customers", "invoices", "journal", "outbox", "messages", "campaigns", "explain")


def expected(kind: Kind, raw: Any) -> Any:
    """The value a check compares with, read from the file; ValueError says what is wrong."""
    if kind in ("points", "int"):
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        raise ValueError("write a whole number")
    if kind == "money":
        if raw is None:
            return None
        try:
            return D(raw)
        except (TypeError, ValueError):
            raise ValueError('write money as a string, e.g. "25.00"') from None
    if kind == "date":
        if raw is None or raw == "never":
            return None
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw
        raise ValueError("write a date as YYYY-MM-DD, or null/never for none")
    if kind == "text":
        if raw is None or isinstance(raw, str):
            return raw
        raise ValueError("write text (quote it if YAML reads it as something else)")
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return raw
    raise ValueError("write a list of strings")


Found = list[tuple[NodePath, str]]


def expect_problems(body: Any) -> Found:
    """Every structure problem of one expect block, by path inside the block."""
    if not isinstance(body, Mapping):
        return [((), f"expect must be a mapping of {', '.join(SECTIONS)}")]
    found: Found = []
    for section, value in body.items():
        path: NodePath = (section,)
        if section == "customers":
            found += _entities(value, path, CUSTOMER_FIELDS, "customer")
        elif section == "invoices":
            found += _entities(value, path, INVOICE_FIELDS, "invoice")
        elif section == "journal":
            found += _journal(value, path)
        elif section == "outbox":
            found += _value("int", value, path)
        elif section == "messages":
            found += _items(value, path, MESSAGES)
        elif section in ("campaigns", "explain"):  # issue 23 item 3: campaign_checks.py
            from patronage.entrypoints.simulate import campaign_checks

            found += campaign_checks.problems(section, value, path)
        else:
            found.append((path, f"unknown expect key {section!r} (use {', '.join(SECTIONS)})"))
    return found


def _entities(value: Any, path: NodePath, fields: Mapping[str, Field], noun: str) -> Found:
    if not isinstance(value, Mapping):
        return [(path, f"write a mapping of {noun} ids to their expected figures")]
    found: Found = []
    for key, figures in value.items():
        found += _fields(figures, path + (key,), fields, f"{noun} {key}")
    return found


def _fields(value: Any, path: NodePath, fields: Mapping[str, Field], what: str) -> Found:
    if not isinstance(value, Mapping):
        return [(path, f"write the expected figures of {what} as a mapping")]
    found: Found = []
    for key, raw in value.items():
        spec = fields.get(key)
        if spec is None:
            found.append((path + (key,), f"unknown key {key!r} for {what}"))
        elif isinstance(spec, ItemsOf):
            found += _items(raw, path + (key,), spec)
        else:
            found += _value(spec, raw, path + (key,))
    return found


def _items(raw: Any, path: NodePath, spec: ItemsOf) -> Found:
    if not isinstance(raw, list):
        return [(path, f"write a list of {spec.noun}s (an empty list is [])")]
    found: Found = []
    for i, item in enumerate(raw):
        found += _fields(item, path + (i,), spec.fields, spec.noun)
    return found


def _journal(value: Any, path: NodePath) -> Found:
    if not isinstance(value, Mapping):
        return [(path, "write a mapping of accounts to balances")]
    found: Found = []
    for account, raw in value.items():
        found += _value("money", raw, path + (account,))
    return found


def _value(kind: Kind, raw: Any, path: NodePath) -> Found:
    try:
        expected(kind, raw)
    except ValueError as exc:
        return [(path, f"{path[-1]}: {exc}")]
    return []
