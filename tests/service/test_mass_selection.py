"""E3: the mass enrollment's SQL search chooses exactly the customers the core's
predicate (`core.enrolling.selected`) does, for every combination of criteria."""

from __future__ import annotations

import datetime as dt
import itertools

from patronage.core.enrolling import Candidate, Selection, selected
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .support import make_shop

d = dt.date
# id: type, status, open programs, posted invoice dates (an unposted sale never counts)
SHOP: dict[str, tuple[str, str, tuple[str, ...], tuple[dt.date, ...]]] = {
    "A": ("retail", "active", ("club",), (d(2024, 1, 2), d(2024, 1, 5))),
    "B": ("retail", "inactive", (), (d(2024, 1, 3),)),
    "C": ("commercial", "active", ("cents",), ()),
    "D": ("commercial", "inactive", (), ()),
    "E": ("retail", "active", ("cents",), (d(2024, 1, 4),)),
}


def _facts() -> list[Candidate]:
    return [Candidate(cid, kind, status, frozenset(programs), max(sales, default=None))
            for cid, (kind, status, programs, sales) in SHOP.items()]


def test_sql_search_agrees_with_the_predicate(app: Patronage, clock: FixedClock) -> None:
    make_shop(app, customers=())
    for cid, (kind, status, programs, _) in SHOP.items():
        app.put_customer({"id": cid, "name": cid, "type": kind, "status": status})
        for program in programs:
            app.enroll({"customer": cid, "program": program})
    for cid, (_, _, _, sales) in SHOP.items():
        for number, day in enumerate(sales):
            clock.set(day)
            app.post_invoice({"id": f"{cid}-{number}", "customer": cid, "store": 1, "date":
                              day.isoformat(), "lines": [{"sku": "X", "qty": "1",
                                                          "price": "10.00"}]})
    criteria = itertools.product((None, "retail", "commercial"), (None, "active", "inactive"),
                                 (None, True, False), (None, "club", "cents"),
                                 (None, d(2024, 1, 3), d(2024, 1, 6)))
    checked = 0
    for of_type, of_status, enrolled, in_program, since in criteria:
        selection = Selection(of_type, of_status, enrolled, in_program, since)
        body = {"program": "club", "exclude": ["E"], "select": {
            key: value.isoformat() if isinstance(value, dt.date) else value
            for key, value in {"type": of_type, "status": of_status, "enrolled": enrolled,
                               "program": in_program, "purchased_since": since}.items()
            if value is not None}}
        expected = [c.id for c in _facts() if selected(c, selection) and c.id != "E"]
        assert app.preview_mass_enroll(body) == expected, selection
        checked += bool(expected)
    assert checked > 20  # most combinations choose someone
