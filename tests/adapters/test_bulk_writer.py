"""The bulk writer converts every value as SQLAlchemy's own bind processors would."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.types.json import Json
from sqlalchemy import bindparam, insert
from sqlalchemy.dialects import postgresql, sqlite

from patronage.adapters.db import tables as t
from patronage.adapters.db.bulk_writer import FULL, Writer

DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.psycopg.dialect()}
cents = st.integers(-10**12, 10**12).map(lambda c: Decimal(c).scaleb(-2))
money = st.one_of(st.none(), cents, st.integers(-10**6, 10**6).map(Decimal),
                  st.integers(-10**6, 10**6))
exact = st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=4))
VALUES: dict[str, Any] = {
    "invoice_lines": {"invoice_id": st.integers(1, 10**9), "line_no": st.integers(0, 99),
                      "sku": st.text(max_size=5), "qty": exact, "price": exact,
                      "amount": money, "discount": money, "eligible": st.booleans(),
                      "returned_qty": exact},
    "invoices": {"id": st.integers(1, 10**9), "date": st.dates(), "subtotal": money,
                 "total": money, "accrued": st.booleans(), "voided_on": st.none() | st.dates(),
                 "rate": st.none() | st.fixed_dictionaries({"point_value": st.text(max_size=3)}),
                 "points": st.integers(0, 10**6)},
    "events": {"date": st.dates(), "recorded_at": st.datetimes(min_value=dt.datetime(2000, 1, 1)),
               "payload": st.dictionaries(st.text(max_size=3), st.integers(), max_size=3)},
}


def expected(dialect: Any, table: str, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """SQLAlchemy's way: each column's bind processor (the type decorator's included)."""
    tbl = t.metadata.tables[table]
    compiled = insert(tbl).values({c: bindparam(c, type_=tbl.c[c].type) for c in rows[0]}) \
        .compile(dialect=dialect)
    names = list(compiled.positiontup or compiled.binds)
    procs = [compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    return [tuple(p(r[n]) if p else r[n] for n, p in zip(names, procs, strict=True))
            for r in rows]


def written(dialect: Any, table: str, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    tbl = t.metadata.tables[table]
    cols = list(rows[0])
    writer = Writer(SimpleNamespace(dialect=dialect))  # type: ignore[arg-type]
    _, _, values = writer._values(("insert", table), lambda: insert(tbl).values(
        {c: bindparam(c, type_=tbl.c[c].type) for c in cols}), rows)
    return values


def comparable(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """psycopg's `Json` wrappers compare by identity: compare what they wrap."""
    return [tuple(("json", v.obj) if isinstance(v, Json) else v for v in r) for r in rows]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("table", VALUES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_rows_are_converted_as_sqlalchemy_would(dialect: str, table: str, data: Any) -> None:
    rows = [{**FULL[table], **row} for row in data.draw(st.lists(
        st.fixed_dictionaries(VALUES[table]), min_size=1, max_size=4))]
    assert comparable(written(DIALECTS[dialect], table, rows)) == \
        comparable(expected(DIALECTS[dialect], table, rows))


@pytest.mark.parametrize("dialect", DIALECTS)
def test_money_with_more_than_two_decimals_is_refused_as_ever(dialect: str) -> None:
    rows = [{**FULL["invoice_lines"], "amount": Decimal("1.005")}]
    with pytest.raises(ValueError, match="two decimals"):
        expected(DIALECTS[dialect], "invoice_lines", rows)
    with pytest.raises(ValueError, match="two decimals"):
        written(DIALECTS[dialect], "invoice_lines", rows)
