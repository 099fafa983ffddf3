"""Exact numbers: the one approved way to make money, quantities and rates.

Rule: no binary floating point anywhere. Money is a `Decimal` quantized to the currency's
minor unit (2 places) and rounded only where a rule says so, with a named mode. Points are
`int`. Storage keeps money as integer minor units (cents).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache

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


def share(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """`part` of `whole` units' share of `amount`, half up to the cent (0 when `whole` is 0)."""
    return round_money(amount * part / whole) if whole else ZERO


def prorate(amount: Decimal, whole: Decimal, before: Decimal, after: Decimal) -> Decimal:
    """R1: what the units from `before` to `after` (of `whole`) carry of `amount`.

    Rounded cumulatively (the share of `after` less the share of `before`), never piece by
    piece: however a line is returned, in whatever steps, the pieces returned add up to the
    share of all returned, and what is kept (`amount - share(amount, returned, whole)`) plus
    what was returned is exactly `amount`. A 10.00 line of 3 returned one by one gives
    3.33, 3.34, 3.33.
    """
    return share(amount, after, whole) - share(amount, before, whole)


def points_value(points: int, point_value: Decimal) -> Decimal:
    """G1, C2: what `points` are worth, half up to the cent (away from 0 for a debt).

    Exact with a whole-cent point_value; with a sub-cent one (0.005) an odd count is worth
    a half cent, which is rounded here and nowhere else.
    """
    return round_money(point_value * points)


@lru_cache(maxsize=64)  # asked at every booking, of a program's few values
def whole_cent_step(point_value: Decimal) -> int:
    """C2: the fewest points worth whole cents: 1 for 0.01 or 0.05, 2 for 0.005, 10 for
    0.001. Every multiple of it, and only those, are worth whole cents."""
    return Fraction(point_value.scaleb(2)).denominator


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
