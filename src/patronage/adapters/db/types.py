"""Column types that keep numbers exact on every database.

SQLite has no exact decimal type (NUMERIC stores REAL), so money is stored as integer
cents and other decimals (quantities, prices, rates) as their exact text.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, String
from sqlalchemy.types import TypeDecorator

from patronage.core.money import from_cents, to_cents


class Money(TypeDecorator[Decimal]):
    """A Decimal amount of money, stored as integer minor units."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: object) -> int | None:
        return None if value is None else to_cents(value)

    def process_result_value(self, value: int | None, dialect: object) -> Decimal | None:
        return None if value is None else from_cents(int(value))


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal of any scale (quantity, unit price, percent, rate), stored as its text."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: object) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: object) -> Decimal | None:
        return None if value is None else Decimal(value)
