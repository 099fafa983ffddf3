"""The console's forms reach the same input limits as the API (issue 19 item 10), and a
field name it cannot read is ignored, not a crash."""

from __future__ import annotations

import pytest

from patronage.service.app import Patronage

from .helpers import Console
from .test_programs import RECURRING, problems_beside


@pytest.mark.parametrize("row", ["\u00b2", "9" * 5000])
def test_a_row_number_that_is_not_a_small_ascii_number_is_ignored(
        admin: Console, shop: Patronage, row: str) -> None:
    """'²' is a digit to str.isdigit() and int() refuses it: that was an internal error."""
    admin.get("/programs/new")
    answer = admin.post("/programs/new", RECURRING | {f"filters.{row}.name": "odd", "op": "save"})
    assert answer.status_code == 200, answer.text[-500:]
    p = shop.read(lambda tx: tx.repo.program("club"))
    assert p is not None and [f.name for f in p.filters] == ["all sales"]


def test_control_characters_and_long_names_are_shown_beside_their_fields(
        admin: Console, shop: Patronage) -> None:
    admin.get("/programs/new")
    answer = admin.post("/programs/new", RECURRING | {"name": "250\x00Club",
                                                      "filters.0.name": "a" * 201, "op": "save"})
    assert answer.status_code == 422
    beside = problems_beside(answer.text)
    assert "control characters" in beside["name"][0]
    assert "at most 200 characters" in beside["filters.0.name"][0]
    assert shop.read(lambda tx: tx.repo.program("club")) is None
