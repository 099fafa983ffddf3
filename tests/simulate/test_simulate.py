"""The command: every file judged first, each valid one run on its own fresh session."""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from patronage.entrypoints.simulate import simulate
from patronage.entrypoints.simulate.database import fresh_engine

from .fakes import FakeFacade, FakeOpener, customer_view

GOOD = """\
customers: [{id: C1}]
timeline:
  - date: 2017-06-01
    enroll: {customer: C1, program: club}
  - date: 2017-06-02
    expect: {customers: {C1: {pending: 0}}, outbox: 0}
"""
FAILING = GOOD.replace("outbox: 0", "outbox: 3")
INVALID = GOOD.replace("enroll:", "enrol:")


def with_customer(fake: FakeFacade) -> None:
    fake.customers["C1"] = customer_view()


def write(tmp_path: Path, **files: str) -> list[str]:
    paths = []
    for name, text in files.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(textwrap.dedent(text))
        paths.append(str(path))
    return paths


def test_every_check_holds_exit_0(tmp_path: Path) -> None:
    lines: list[str] = []
    opener = FakeOpener(with_customer)
    code = simulate(write(tmp_path, a=GOOD, b=GOOD), out=lines.append, open_session=opener)
    assert code == 0
    assert len(opener.fakes) == 2  # a fresh session per file
    assert opener.fakes[0].calls[0][0] == dt.date(2017, 6, 1)  # its clock starts on day one
    assert lines[-1] == "4 passed, 0 failed"
    assert lines[0].startswith("ok   ") and lines[0].endswith(
        "a.yaml:6 2017-06-02 customer C1 pending 0"
    )


def test_a_failed_check_exit_1(tmp_path: Path) -> None:
    lines: list[str] = []
    code = simulate(
        write(tmp_path, a=GOOD, b=FAILING), out=lines.append, open_session=FakeOpener(with_customer)
    )
    assert code == 1
    assert lines[-2].endswith("b.yaml:6 2017-06-02 outbox: expected 3, got 0")
    assert lines[-1] == "3 passed, 1 failed"


def test_an_invalid_file_exit_2_is_not_run_but_the_others_are(tmp_path: Path) -> None:
    lines: list[str] = []
    opener = FakeOpener(with_customer)
    paths = write(tmp_path, bad=INVALID, good=GOOD)
    code = simulate(paths, out=lines.append, open_session=opener)
    assert code == 2
    assert lines[0] == f"{paths[0]}:4: unknown action 'enrol' (did you mean 'enroll'?)"
    assert len(opener.fakes) == 1  # only the valid file ran
    assert lines[-1] == "2 passed, 0 failed"


def test_a_missing_file_is_invalid(tmp_path: Path) -> None:
    lines: list[str] = []
    code = simulate([str(tmp_path / "nope.yaml")], out=lines.append, open_session=FakeOpener())
    assert code == 2
    assert "nope.yaml:1: cannot read the file" in lines[0]
    assert lines[-1] == "0 passed, 0 failed"


def test_a_session_that_cannot_open_is_one_failure(tmp_path: Path) -> None:
    def broken(first_day: dt.date) -> FakeOpener:
        raise ConnectionError("no server\nat 10.0.0.1")

    lines: list[str] = []
    code = simulate(write(tmp_path, a=GOOD), out=lines.append, open_session=broken)  # type: ignore[arg-type]
    assert code == 1
    assert lines[0].endswith("a.yaml database: ConnectionError: no server")


def test_fresh_sqlite_engine_has_every_table_and_is_private() -> None:
    with fresh_engine() as first, fresh_engine() as second:
        tables = set(sa.inspect(first).get_table_names())
        assert "shop" in tables and len(tables) > 3
        with first.begin() as conn:
            conn.execute(sa.text("CREATE TABLE probe (x INTEGER)"))
        assert "probe" in sa.inspect(first).get_table_names()
        assert "probe" not in sa.inspect(second).get_table_names()


def test_only_sqlite_memory_or_postgresql() -> None:
    with pytest.raises(ValueError, match="in-memory SQLite"), fresh_engine("sqlite:////x.db"):
        pass


POSTGRES = os.environ.get("PATRONAGE_TEST_POSTGRES_URL")
needs_postgres = pytest.mark.skipif(not POSTGRES, reason="PATRONAGE_TEST_POSTGRES_URL is not set")


@needs_postgres
def test_postgres_runs_in_a_temporary_schema_that_is_dropped_after() -> None:
    assert POSTGRES
    with fresh_engine(POSTGRES) as engine, engine.connect() as conn:
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
        assert schema.startswith("simulate_")
        assert "shop" in sa.inspect(conn).get_table_names(schema=schema)
    with fresh_engine(POSTGRES) as other, other.connect() as conn:
        schemas = sa.inspect(conn).get_schema_names()
        assert schema not in schemas


@needs_postgres
def test_an_example_passes_on_postgres() -> None:
    lines: list[str] = []
    path = Path(__file__).parents[2] / ".." / "shared" / "spec" / "examples" / "reward_dollars.yaml"
    assert simulate([str(path)], POSTGRES, out=lines.append) == 0, "\n".join(lines)
    assert lines[-1].endswith(" passed, 0 failed")
