"""Exact numbers: the one approved way to make money, quantities and rates.

Rule: no binary floating point anywhere. Money is a `Decimal` quantized to the currency's
minor unit (2 places) and rounded only where a rule says so, with a named mode. Points are
`int`. Storage keeps money as integer minor units (cents).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_MONEY = Decimal("1000000000.00")  # a billion: anything above is absurd input


def D(value: object) -> Decimal:
    """Make an exact Decimal from a string, int or Decimal. Floats are refused."""
    if isinstance(value, (bool, float)):
        raise TypeError(f"refusing inexact number {value!r}: write money as a string")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
        if not d.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return d
    raise TypeError(f"cannot make a number of {value!r}")


def money(value: object) -> Decimal:
    """Money quantized to cents; more than two decimals is an error, not a rounding."""
    d = D(value)
    q = d.quantize(CENT)
    if q != d:
        raise ValueError(f"money has at most two decimals: {value!r}")
    return q


def round_money(value: Decimal) -> Decimal:
    """Round a computed amount (a prorated line, a share of tax) to cents, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def floor_int(value: Decimal) -> int:
    """Floor to a whole number: points are never fractions and never rounded up (A4)."""
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def to_cents(value: Decimal) -> int:
    if type(value) is Decimal and value.is_finite():  # the usual case: whole cents already
        scaled = value.scaleb(2)
        whole = int(scaled)
        if whole == scaled:
            return whole
    return int(money(value) * 100)


def from_cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)  # exact, with two decimals: 1234 -> 12.34, 0 -> 0.00


def fmt(value: Decimal) -> str:
    """Money as the decimal string used on the wire and in scenario files: "25.00"."""
    return str(value.quantize(CENT))
