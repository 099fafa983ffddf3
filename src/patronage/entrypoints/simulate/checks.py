"""Comparing an `expect` block with what the facade answers.

Only the keys written are checked. Lists are compared whole and in order, and within each
item only the keys written. Money is compared as Decimal (a missing amount counts as
0.00), dates as dates (null or `never`: no date). The result is one `Check` per written
key, each knowing where in the block it was written and how to say what differed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from patronage.core.money import ZERO
from patronage.entrypoints.simulate.actions import Facade
from patronage.entrypoints.simulate.expect import (
    BALANCE_FIELDS,
    CUSTOMER_FIELDS,
    INVOICE_FIELDS,
    MESSAGES,
    Field,
    ItemsOf,
    Kind,
    expected,
)
from patronage.entrypoints.simulate.report import one_line
from patronage.entrypoints.simulate.source import NodePath
from patronage.service import tiers
from patronage.service.views import Balance, CustomerView


@dataclass(frozen=True)
class Check:
    """One expectation: `subject` (e.g. "customer C1 pending"), what was expected, and
    `difference` ("expected 250, got 0"), None when it holds."""

    path: NodePath
    subject: str
    shown: str
    difference: str | None = None


def run_checks(app: Facade, body: Mapping[str, Any], as_of: dt.date) -> list[Check]:
    """Every check of one (valid) expect block, in the order written."""
    checks: list[Check] = []
    for section, value in body.items():
        if section == "customers":
            for key, figures in value.items():
                checks += _customer(app, key, figures, as_of)
        elif section == "invoices":
            for key, figures in value.items():
                checks += _invoice(app, key, figures)
        elif section == "journal":
            checks += _journal(app, value)
        elif section == "outbox":
            checks += _outbox(app, value)
        elif section == "messages":
            checks += _messages(app, value)
        elif section in ("campaigns", "explain"):  # issue 23 item 3
            from patronage.entrypoints.simulate import campaign_checks

            checks += campaign_checks.checks(app, section, value, as_of)
    return checks


def _customer(app: Facade, key: Any, figures: Mapping[str, Any], as_of: dt.date) -> list[Check]:
    path: NodePath = ("customers", key)
    subject = f"customer {key}"

    def compare() -> list[Check]:
        view = app.customer(str(key), as_of=as_of)
        figures_of = _named_balance(view, figures.get("program"))
        return [
            _compare(
                path + (name,),
                f"{subject} {name}",
                CUSTOMER_FIELDS[name],
                raw,
                _tier_changes(app, str(key)) if name == "tier_changes"
                else _customer_figure(view, name, figures_of),
            )
            for name, raw in figures.items()
        ]

    return _read(path, subject, compare)


def _named_balance(view: CustomerView, program: Any) -> Balance:
    """E1 `many`: a check's `program:` names the enrollment whose figures it checks (when
    the customer is in it); otherwise the figures are the customer's balance (`one`: the
    current enrollment; `many`: the oldest)."""
    found = [b for b in view.balances if program is not None and b.program == str(program)]
    return found[0] if found else view.balance


def _tier_changes(app: Facade, customer_id: str) -> list[SimpleNamespace]:
    """issue 23 item 1: the customer's moves between tiers, oldest first."""
    found = app.run(lambda tx: tiers.history(tx, customer_id))
    return [SimpleNamespace(**change) for change in reversed(found)]


def _customer_figure(view: CustomerView, name: str, figures_of: Balance) -> Any:
    if name in BALANCE_FIELDS or name in ("program", "tier"):
        return getattr(figures_of, name)
    if name == "notes_contain":
        return view.notes
    return getattr(view, name)  # price_group, credit_memos, coupons


def _invoice(app: Facade, key: Any, figures: Mapping[str, Any]) -> list[Check]:
    path: NodePath = ("invoices", key)
    subject = f"invoice {key}"

    def compare() -> list[Check]:
        view = app.invoice(str(key))
        return [
            _compare(
                path + (name,), f"{subject} {name}", INVOICE_FIELDS[name], raw, getattr(view, name)
            )
            for name, raw in figures.items()
        ]

    return _read(path, subject, compare)


def _journal(app: Facade, accounts: Mapping[Any, Any]) -> list[Check]:
    def compare() -> list[Check]:
        balances = app.journal_balances()
        return [
            _compare(
                ("journal", account),
                f"journal {account}",
                "money",
                raw,
                balances.get(str(account), ZERO),
            )
            for account, raw in accounts.items()
        ]

    return _read(("journal",), "journal", compare)


def _outbox(app: Facade, raw: Any) -> list[Check]:
    return _read(
        ("outbox",),
        "outbox",
        lambda: [_compare(("outbox",), "outbox", "int", raw, app.outbox_count())],
    )


@dataclass(frozen=True)
class Message:
    """An outbox row as a `messages` check reads it: the row's own fields and its
    payload's customer, expiry, days, points and amount."""

    event: str
    channel: str
    recipient: str | None
    subject: str | None
    template: str | None
    status: str
    customer: str | None
    expires: dt.date | None
    days: int | None
    points: int | None
    amount: Decimal | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Message:
        payload = row.get("payload") or {}
        expires = payload.get("expires")
        amount = payload.get("amount")
        return cls(row["event"], row["channel"], row.get("recipient"), row.get("subject"),
                   row.get("template"), row["status"], payload.get("customer"),
                   dt.date.fromisoformat(expires) if isinstance(expires, str) else None,
                   payload.get("days"), payload.get("points"),
                   Decimal(str(amount)) if amount is not None else None)


def _messages(app: Facade, raw: Any) -> list[Check]:
    return _read(
        ("messages",),
        "messages",
        lambda: [_compare(("messages",), "messages", MESSAGES, raw,
                          [Message.of(row) for row in app.outbox_messages()])],
    )


def _read(path: NodePath, subject: str, compare: Callable[[], list[Check]]) -> list[Check]:
    """Run `compare`; if the facade cannot answer, that is one failed check, not a crash."""
    try:
        return compare()
    except Exception as exc:  # noqa: BLE001 - one failed check, never a traceback
        return [Check(path, subject, "", f"could not be read: {one_line(exc)}")]


def _compare(path: NodePath, subject: str, spec: Field, raw: Any, actual: Any) -> Check:
    if isinstance(spec, ItemsOf):
        return Check(path, subject, show(raw), _items_difference(spec, raw, actual))
    want = expected(spec, raw)
    return Check(path, subject, show(want), _difference(spec, want, actual))


def _difference(kind: Kind, want: Any, actual: Any) -> str | None:
    """None when `actual` matches the expected value `want`, else what differs."""
    if kind == "texts":
        missing = [text for text in want if not any(text in note for note in actual)]
        if not missing:
            return None
        return f"no note contains {show(missing)}; notes are {show(list(actual))}"
    if kind == "money":
        same = _decimal(want) == _decimal(actual)
    else:
        same = want == actual
    return None if same else f"expected {show(want)}, got {show(actual)}"


def _decimal(value: Any) -> Decimal:
    return Decimal("0.00") if value is None else Decimal(value)


def _items_difference(spec: ItemsOf, wanted: list[Any], items: Sequence[Any]) -> str | None:
    if len(wanted) != len(items):
        keys = list(dict.fromkeys(key for item in wanted for key in item)) or list(spec.fields)
        got = [{key: getattr(item, key) for key in keys} for item in items]
        return f"expected {_count(len(wanted), spec.noun)}, got {_count(len(items), spec.noun)}: {show(got)}"
    differences = [
        f"[{i}] {key}: {found}"
        for i, (want, item) in enumerate(zip(wanted, items, strict=True))
        for key, raw in want.items()
        if (
            found := _difference(
                spec.fields[key], expected(spec.fields[key], raw), getattr(item, key)
            )
        )
        is not None
    ]
    return "; ".join(differences) or None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def show(value: Any) -> str:
    """A value as the scenario file would write it: 25.00, 2017-07-20, null, [..], {..}."""
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)
