"""E1 `many` from the terminal (issue 21 item 1): `patronage balance` answers the oldest
enrollment's balance, `--program` another's, `--programs` one per program."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import call, cli  # noqa: F401 - the fixture

SHOP = """
shop:
  stores: [{id: 1, name: Main}]
  programs_per_customer: many
programs:
  - {id: club, name: Club, kind: recurring, status: open, effective: 2024-01-01, filters: [{name: all}], multipliers: [{name: m, currency_per_point: "1.00"}], awards: [{name: a, level: 1000, credit_memo: {amount: "5.00"}}]}
  - {id: bank, name: Bank, kind: points_bank, status: open, effective: 2024-01-01, point_value: "0.01", filters: [{name: all}], multipliers: [{name: m, currency_per_point: "1.00"}]}
"""


def test_balance_per_program(cli, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "shop.yaml").write_text(SHOP)
    assert call(cli, "programs", "apply", str(tmp_path / "shop.yaml"))[0] == 0
    assert call(cli, "customers", "add", "C1", "--name", "Ann Lee")[0] == 0
    for program in ("club", "bank"):
        code, _, err = call(cli, "enroll", "C1", program, "--date", "2024-02-01")
        assert code == 0, err
    code, _, err = call(cli, "adjust", "C1", "--program", "bank", "--points", "70",
                        "--reason", "port", "--date", "2024-02-01")
    assert code == 0, err
    first = json.loads(call(cli, "balance", "C1", "--as-of", "2024-02-01")[1])
    assert (first["program"], first["available"]) == ("club", 0)
    bank = json.loads(call(cli, "balance", "C1", "--program", "bank", "--as-of", "2024-02-01")[1])
    assert (bank["program"], bank["available"]) == ("bank", 70)
    every = json.loads(call(cli, "balance", "C1", "--programs", "--as-of", "2024-02-01")[1])
    assert [(b["program"], b["available"]) for b in every] == [("club", 0), ("bank", 70)]
