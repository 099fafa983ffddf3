"""What a command on an invoice would change, found by running it and keeping nothing.

The console confirms a void, a return, a payment or a layaway conversion by showing what
it will do: the command itself runs, by its own rules, in a transaction that is then rolled
back, and the invoice, the customer's balance, credit memos, coupons and awards are
compared before and after, with the ledger entries it wrote. So the confirmation can never
disagree with what the command does (unless something else changes meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from patronage.core.errors import not_found
from patronage.service import ledger
from patronage.service.app import Patronage
from patronage.service.uow import Tx

INVOICE_FIELDS = ("status", "type", "points", "paid", "returned_value", "eligible_amount")


@dataclass
class Effects:
    """What a command changed, before and after."""

    answer: Any = None
    invoice: list[tuple[str, Any, Any]] = field(default_factory=list)  # field, before, after
    balance: list[tuple[str, int, int]] = field(default_factory=list)  # figure, before, after
    entries: list[dict[str, Any]] = field(default_factory=list)  # the ledger entries written
    memos: list[dict[str, Any]] = field(default_factory=list)
    coupons: list[dict[str, Any]] = field(default_factory=list)
    awards: list[dict[str, Any]] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not (self.invoice or self.balance or self.entries or self.memos
                    or self.coupons or self.awards)


class _Undo(Exception):
    def __init__(self, effects: Effects) -> None:
        super().__init__("rolled back")
        self.effects = effects


def effects_of(app: Patronage, command: Callable[[Tx], Any], store: int,
               external_id: str) -> Effects:
    """Run `command` on the invoice (`store`, `external_id`) and undo it; a refusal
    (`PatronageError`) is raised as the command raised it."""

    def trial(tx: Tx) -> None:
        before = _snapshot(tx, store, external_id)
        answer = command(tx)
        effects = _compare(before, _snapshot(tx, store, external_id), answer)
        effects.entries = [dict(e) for e in tx.repo.entries_after(  # this customer's only:
            before["last_entry"], before["customer"])]  # others may post
        raise _Undo(effects)

    try:
        app.run(trial)
    except _Undo as undone:
        return undone.effects
    raise RuntimeError("the trial run did not finish")  # pragma: no cover: trial always raises


def _snapshot(tx: Tx, store: int, external_id: str) -> dict[str, Any]:
    inv = tx.repo.find_invoice(external_id, store)
    if inv is None or inv["store_id"] != store:
        raise not_found("invoice", external_id, "invoice")
    customer = inv["customer_id"]
    figures: dict[str, int] = {}
    if customer:
        enrollment = tx.repo.open_enrollment(customer)
        program = tx.repo.program(enrollment["program_id"]) if enrollment else None
        held = ledger.balance(tx, enrollment, program, tx.day)
        figures = {"available": held.available, "pending": held.pending}
    return {
        "invoice": {k: inv[k] for k in INVOICE_FIELDS},
        "balance": figures,
        "last_entry": tx.repo.last_entry_id(),
        "memos": {m["id"]: dict(m) for m in tx.repo.memos(customer)} if customer else {},
        "coupons": {c["id"]: dict(c) for c in tx.repo.coupons(customer)} if customer else {},
        "awards": {a["id"]: dict(a) for a in tx.repo.awards_of(customer)} if customer else {},
        "customer": customer,
    }


def _compare(before: dict[str, Any], after: dict[str, Any], answer: Any) -> Effects:
    out = Effects(answer=answer)
    out.invoice = [(k, before["invoice"][k], after["invoice"][k]) for k in INVOICE_FIELDS
                   if before["invoice"][k] != after["invoice"][k]]
    out.balance = [(k, before["balance"][k], after["balance"].get(k, 0))
                   for k in before["balance"] if before["balance"][k] != after["balance"].get(k)]
    for key, fields in (("memos", ("remaining", "status")), ("coupons", ("status",)),
                        ("awards", ("status",))):
        for row_id, row in after[key].items():
            was = before[key].get(row_id)
            if was is None or any(was[f] != row[f] for f in fields):
                getattr(out, key).append({"before": was, "after": row})
    return out
