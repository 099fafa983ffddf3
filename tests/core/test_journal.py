"""Journal postings (G1): one balanced entry per move; a negative amount swaps the sides."""

from __future__ import annotations

from decimal import Decimal

from patronage.core.journal import (
    POINTS_EXPENSE,
    POINTS_LIABILITY,
    Posting,
    is_balanced,
    transfer,
)

ZERO = Decimal("0.00")


def test_transfer_debits_first_and_credits_second() -> None:
    postings = transfer(POINTS_EXPENSE, POINTS_LIABILITY, Decimal("6.00"))
    assert postings == [Posting(POINTS_EXPENSE, Decimal("6.00"), ZERO),
                        Posting(POINTS_LIABILITY, ZERO, Decimal("6.00"))]
    assert is_balanced(postings)


def test_negative_amount_swaps_sides_and_stays_positive() -> None:
    postings = transfer(POINTS_EXPENSE, POINTS_LIABILITY, Decimal("-2.50"))
    assert postings == [Posting(POINTS_LIABILITY, Decimal("2.50"), ZERO),
                        Posting(POINTS_EXPENSE, ZERO, Decimal("2.50"))]
    assert all(p.debit >= 0 and p.credit >= 0 for p in postings)
    assert is_balanced(postings)


def test_is_balanced_detects_an_unbalanced_entry() -> None:
    assert not is_balanced([Posting("a", Decimal("1.00"), ZERO), Posting("b", ZERO, Decimal("0.99"))])
    assert is_balanced([])
    assert is_balanced([Posting("a", Decimal("1.00"), ZERO), Posting("b", ZERO, Decimal("0.40")),
                        Posting("c", ZERO, Decimal("0.60"))])
