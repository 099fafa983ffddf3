"""J5: an adjustments file decided row by row (core/adjustment_files.py), with a fake
`adjust` in place of the service's. Pure: no database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from patronage.core.adjustment_files import (
    FileOutcome,
    FileRow,
    Refusal,
    adjust_file,
    refusal,
    row_asks,
)
from patronage.core.errors import PatronageError, Problem

DAY = dt.date(2024, 3, 1)


class FakeAdjust:
    """Refuses a customer named "BAD"; a row whose id it has seen is a repeat (C5)."""

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []
        self.ids: set[str] = set()

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(body)
        if body["customer"] == "BAD":
            raise PatronageError("not_found", "no customer 'BAD'", [Problem("customer", "x")])
        repeated = body.get("id") in self.ids
        self.ids.add(body.get("id", ""))
        return {"customer": body["customer"], "repeated": repeated}


def test_a_row_without_a_date_takes_the_files() -> None:
    assert row_asks({"customer": "C1"}, DAY) == {"customer": "C1", "date": DAY}
    assert row_asks({"customer": "C1", "date": dt.date(2024, 1, 5)}, DAY)["date"] == \
        dt.date(2024, 1, 5)
    assert row_asks({"customer": "C1"}, None) == {"customer": "C1"}


def test_every_refusal_is_reported_by_its_line_and_the_rest_still_tried() -> None:
    fake = FakeAdjust()
    rows = [FileRow(2, {"customer": "C1", "id": "a"}),
            FileRow(3, None, Refusal(3, "invalid", "points: not a whole number")),
            FileRow(4, {"customer": "BAD", "id": "b"}),
            FileRow(5, None),
            FileRow(6, {"customer": "C2", "id": "c"})]
    out = adjust_file(rows, DAY, fake)
    assert out.refused == (Refusal(3, "invalid", "points: not a whole number"),
                           Refusal(4, "not_found", "no customer 'BAD'"),
                           Refusal(5, "invalid", "unreadable"))
    assert [a.line for a in out.applied] == [2, 6]
    assert [b["customer"] for b in fake.asked] == ["C1", "BAD", "C2"]  # unreadable: untried
    assert all(b["date"] == DAY for b in fake.asked)
    assert not out.kept()  # one refused line: nothing of the file is kept


def test_a_clean_file_is_kept_and_a_rerun_only_repeats() -> None:
    fake = FakeAdjust()
    rows = [FileRow(2, {"customer": "C1", "id": "a"}), FileRow(3, {"customer": "C2", "id": "b"})]
    first = adjust_file(rows, None, fake)
    assert (first.done, first.repeated, first.kept(), first.kept(keep=False)) == \
        (2, 0, True, False)
    again = adjust_file(rows, None, fake)
    assert (again.done, again.repeated, again.kept()) == (0, 2, True)
    assert again.applied[0].answer == {"customer": "C1", "repeated": True}


def test_refusal_keeps_the_code_and_message() -> None:
    err = PatronageError("insufficient_points", "taking 9 points is more than the 3 available")
    assert refusal(7, err) == Refusal(7, "insufficient_points",
                                      "taking 9 points is more than the 3 available")


@given(st.lists(st.sampled_from(["ok", "bad", "unreadable"]), max_size=12))
def test_each_row_is_applied_or_refused_once_in_file_order(kinds: list[str]) -> None:
    rows = [FileRow(i + 2, None if k == "unreadable" else
                    {"customer": "BAD" if k == "bad" else f"C{i}", "id": str(i)})
            for i, k in enumerate(kinds)]
    out = adjust_file(rows, DAY, FakeAdjust())
    lines = sorted([a.line for a in out.applied] + [r.line for r in out.refused])
    assert lines == [r.line for r in rows]
    assert [r.line for r in out.refused] == [i + 2 for i, k in enumerate(kinds) if k != "ok"]
    assert out.done == kinds.count("ok") and out.repeated == 0
    assert out.kept() == all(k == "ok" for k in kinds) == (not out.refused)
    assert FileOutcome().kept()
