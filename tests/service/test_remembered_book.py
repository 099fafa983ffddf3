"""The customer's book read with its row and remembered for the unit of work
(adapters/db/repository.py `customer`) never answers with figures the database no longer
has: the daily run changes an enrollment's `held` without taking the customer's lock, and
a command that read the customer before that commit must see it in what its own writes
return (issue 20; G1's journal values the points on `held`)."""

from __future__ import annotations

import datetime as dt

import pytest

from patronage.adapters.db.repository import Repository
from patronage.service.app import Patronage

from .support import CENTS, make_shop


def test_a_write_leaves_the_remembered_enrollment_as_the_database_has_it(
        app: Patronage, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has one writer: the other transaction cannot commit meanwhile")
    make_shop(app, CENTS)
    app.enroll({"customer": "C1", "program": "cents"})
    app.adjust({"customer": "C1", "points": 100})
    day, at = dt.date(2024, 1, 1), dt.datetime(2024, 1, 1, 12)
    with app.engine.connect() as command, app.engine.connect() as daily:
        mine = Repository(command)
        assert mine.customer("C1", lock=True) is not None  # the book remembered: held 100
        held_then = mine.open_enrollment("C1")
        assert held_then is not None and held_then["held"] == 100
        other = Repository(daily)  # as the daily run: no customer lock
        enrollment = other.enrollment(held_then["id"])
        assert enrollment is not None
        [lot] = other.lots(enrollment["id"])
        other.entry(enrollment, day, "expiry", -30, lot.id, at)
        daily.commit()
        mine.entry(held_then, day, "redemption", -20, lot.id, at)
        remembered = mine.open_enrollment("C1")
        stored = mine.enrollment(held_then["id"])
        assert remembered is not None and stored is not None
        assert remembered["held"] == stored["held"] == 50
        command.rollback()
