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


# --- the writing thread (SQLite) ---------------------------------------------------------


def _stored(conn: Any, table: str) -> list[tuple[Any, ...]]:
    """Every cell as SQLite holds it: its storage class and its value."""
    cols = [c.name for c in t.metadata.tables[table].columns]
    picks = ", ".join(f'typeof("{c}"), "{c}"' for c in cols)
    return [tuple(r) for r in conn.exec_driver_sql(
        f'SELECT {picks} FROM "{table}" ORDER BY rowid').fetchall()]


def _sqlite(tmp_path: Any) -> Any:
    from patronage.adapters.db.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path}/w.db")
    t.metadata.create_all(engine)
    return engine


@pytest.mark.parametrize("table", ["invoice_lines", "events"])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_rows_handed_to_the_thread_are_stored_as_executemany_stores_them(
        tmp_path_factory: Any, table: str, data: Any) -> None:
    raw = st.fixed_dictionaries({k: v for k, v in VALUES[table].items() if k != "invoice_id"})
    rows = [{**FULL[table], **row, **({"invoice_id": 1, "line_no": i, "item_type": "part"}
                                        if table == "invoice_lines" else {})}
            for i, row in enumerate(data.draw(st.lists(raw, min_size=1, max_size=6)))]
    columns = t.metadata.tables[table].columns
    for row in rows:  # what the table refuses as null, given
        row.update({c.name: Decimal(1) for c in columns if not c.nullable and
                    c.name in row and row[c.name] is None})
        if table == "events":
            row.update(type="award_earned")
    engine = _sqlite(tmp_path_factory.mktemp("w"))
    try:
        stored = []
        for behind in (False, True):
            with engine.connect() as conn:
                writer = Writer(conn)
                if behind:
                    writer.start_behind()
                    assert writer.behind is not None
                writer.insert_behind(table, [dict(r) for r in rows])
                writer.stop_behind()
                stored.append(_stored(conn, table))
                conn.rollback()
        assert stored[1] == stored[0]
        assert len(stored[0]) == len(rows)
    finally:
        engine.dispose()


def test_what_orjson_would_write_its_own_way_goes_by_executemany(tmp_path: Any) -> None:
    """A date where the column has no bind processor (orjson has its own way with dates),
    a NUL character (SQLite's JSON text ends there): the driver's own way, here."""
    engine = _sqlite(tmp_path)
    try:
        with engine.connect() as conn:
            writer = Writer(conn)
            writer.start_behind()
            assert writer.behind is not None
            odd = {**FULL["invoice_lines"], "invoice_id": 1, "line_no": 0, "item_type": "part",
                   "sku": dt.date(2026, 1, 2), "qty": "1", "price": "1", "discount": 0,
                   "amount": 0, "eligible": False, "returned_qty": "0"}
            writer.insert_behind("invoice_lines", [odd])
            writer.insert_behind("invoice_lines", [{**odd, "line_no": 1, "sku": "a\x00b"}])
            assert writer.behind.rows == 0  # not handed over
            writer.stop_behind()
            assert [r[0] for r in conn.exec_driver_sql(
                "SELECT sku FROM invoice_lines ORDER BY line_no")] == ["2026-01-02", "a\x00b"]
            conn.rollback()
    finally:
        engine.dispose()


def test_a_failure_in_the_thread_is_raised_at_the_next_use_of_the_connection(
        tmp_path: Any) -> None:
    import sqlalchemy as sa

    engine = _sqlite(tmp_path)
    try:
        with engine.connect() as conn:
            writer = Writer(conn)
            writer.start_behind()
            row = {**FULL["invoice_lines"], "invoice_id": 1, "line_no": 0, "sku": "A"}
            writer.insert_behind("invoice_lines", [row, dict(row)])  # the same key twice
            assert writer.behind is not None
            writer.behind.send()
            with pytest.raises(sa.exc.IntegrityError):
                conn.execute(sa.select(sa.func.count()).select_from(t.invoice_lines))
            conn.rollback()
            writer.stop_behind()
    finally:
        engine.dispose()
