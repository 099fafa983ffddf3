"""Expiry (L4) as a pure decision: no database."""

from __future__ import annotations

from patronage.core.expiry import WriteOff, write_off


def test_writes_off_all_that_remains() -> None:
    expired = write_off(7, 120)
    assert expired == WriteOff(7, 120)
    assert expired.held_change == -120  # G1: the liability falls by as much


def test_nothing_remaining_writes_nothing() -> None:
    assert write_off(7, 0) is None
    assert write_off(7, -5) is None


def test_catch_up_day_writes_off_only_what_the_lot_held_then() -> None:
    # the lot got 30 points back after its expiry day (a return's restore): they stay
    assert write_off(7, 150, held_then=120) == WriteOff(7, 120)
    # it held more then than now (spent since): only what is left
    assert write_off(7, 40, held_then=120) == WriteOff(7, 40)
    # it held nothing then: nothing expired that day
    assert write_off(7, 150, held_then=0) is None
