"""Journal entries for the accountant (G1): balanced postings for every value move."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from patronage.core.money import ZERO

POINTS_LIABILITY = "points_liability"
POINTS_EXPENSE = "points_expense"
STORE_CREDIT_LIABILITY = "store_credit_liability"
RECEIVABLE = "receivable"


@dataclass(frozen=True)
class Posting:
    account: str
    debit: Decimal
    credit: Decimal


def transfer(debit_account: str, credit_account: str, amount: Decimal) -> list[Posting]:
    """One balanced entry moving `amount`; a negative amount swaps the sides."""
    if amount < 0:
        debit_account, credit_account, amount = credit_account, debit_account, -amount
    return [Posting(debit_account, amount, ZERO), Posting(credit_account, ZERO, amount)]


def is_balanced(postings: list[Posting]) -> bool:
    return sum((p.debit for p in postings), ZERO) == sum((p.credit for p in postings), ZERO)
