"""An import file read in a second process (entrypoints/ops/readahead.py) gives the same
documents, books, refusals and line numbers as one read here; its digests are the poster's
own (importing twice repeats, never conflicts); a refused header is raised here."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from patronage.bootstrap import open_app
from patronage.core.errors import PatronageError
from patronage.entrypoints.cli import app as cli
from patronage.entrypoints.ops import commands, readahead
from patronage.entrypoints.ops.files import INVOICE_COLUMNS, read_invoices, read_payments
from patronage.service import bulk
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock
from patronage.service.inputs import InvoiceIn, parse
from patronage.service.invoices import body_hash

from . import story

LAST = story.START + dt.timedelta(days=25)


def with_bad_rows(path: Path) -> Path:
    story.write_csv(path, story.invoices(days=25), shuffle_days=False)
    rows = path.read_text().splitlines()
    rows += ["BAD-1,2023-01-02,1,R1,sale,,X,product,,,,,-2,5.00,0.00,0.00",  # qty < 0
             "BAD-2,2023-01-02,1,NOBODY,sale,,X,product,,,,,1,5.00,0.00,0.00",
             "BAD-3,2023-13-02,1,R1,sale,,X,product,,,,,1,5.00,0.00,0.00"]  # no such date
    path.write_text("\n".join(rows) + "\n")
    return path


def test_the_documents_are_those_read_here_with_the_posters_digest(tmp_path: Path) -> None:
    path = with_bad_rows(tmp_path / "invoices.csv")
    here, there = list(read_invoices(path)), list(readahead.read_ahead("invoices", path))
    assert [(d.line, d.rows, d.day, d.body, d.error) for d in there] == \
        [(d.line, d.rows, d.day, d.body, d.error) for d in here]
    assert all(d.digest is None for d in here)
    for doc in there:
        good = doc.body is not None and doc.body["lines"][0].get("qty") != "-2"
        assert (doc.digest is not None) == good, doc.line
        if good:
            assert doc.digest == body_hash(parse(InvoiceIn, doc.body))


def test_an_import_read_ahead_gives_the_same_books(two_shops: tuple[Patronage, Patronage],
                                                   tmp_path: Path) -> None:
    here, ahead = two_shops
    path = with_bad_rows(tmp_path / "invoices.csv")
    results = []
    for shop, docs in ((here, read_invoices(path)), (ahead, readahead.read_ahead("invoices", path))):
        shop.clock.set(LAST)  # type: ignore[attr-defined]
        results.append(bulk.import_invoices(shop, docs, batch=9))
    assert [(e.line, e.code) for e in results[1].errors] == \
        [(e.line, e.code) for e in results[0].errors]
    assert {e.code for e in results[1].errors} == {"invalid", "not_found"}
    assert results[1].done == results[0].done > 0
    assert story.books(ahead) == story.books(here)
    again = bulk.import_invoices(ahead, readahead.read_ahead("invoices", path))
    assert (again.done, again.repeated) == (0, results[1].done)  # repeated, not conflicts
    assert {e.code for e in again.errors} == {"invalid", "not_found"}


def test_a_refused_header_is_raised_here(tmp_path: Path) -> None:
    path = tmp_path / "payments.csv"
    path.write_text("payment_id,invoice_id,when\nP1,INV-1,2023-01-02\n")
    with pytest.raises(PatronageError) as here:
        list(read_payments(path))
    with pytest.raises(PatronageError) as there:
        list(readahead.read_ahead("payments", path))
    assert (there.value.code, there.value.message, there.value.problems) == \
        (here.value.code, here.value.message, here.value.problems)


def test_the_command_reads_a_large_file_ahead(database_url: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = readahead.read_ahead

    def spy(kind: str, path: Path) -> Iterator[bulk.Doc]:
        calls.append(kind)
        return real(kind, path)

    monkeypatch.setattr(readahead, "read_ahead", spy)
    monkeypatch.setattr(readahead, "WORTH_IT", 0)  # every file is "large"
    shop = open_app(database_url, FixedClock(story.START))
    story.configure(shop, shop.clock)  # type: ignore[arg-type]
    path = tmp_path / "invoices.csv"
    bodies = story.invoices(days=5)
    story.write_csv(path, bodies)
    result = CliRunner().invoke(cli, ["import", "invoices", str(path), "--database",
                                      database_url])
    assert result.exit_code == 0, result.output
    assert calls == ["invoices"]
    assert f"{len(bodies)} imported, 0 already there, 0 refused" in result.stdout


def many_invoices(path: Path, count: int) -> Path:
    rows = [",".join(INVOICE_COLUMNS)]
    rows += [f"INV-{i},2023-01-02,1,R1,sale,,TIRE-{i},product,TIRES,,,,1,99.00,0.00,0.00"
             for i in range(count)]
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture(autouse=True, params=["fork", "interpreter"])
def how(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: the reader forked, and a fresh interpreter (where there is no
    fork)."""
    monkeypatch.setattr(readahead, "FORK", request.param == "fork")
    return str(request.param)


@pytest.fixture
def workers(how: str, monkeypatch: pytest.MonkeyPatch) -> list[readahead._Worker]:
    """The reading processes started by `read_ahead`."""
    started: list[readahead._Worker] = []
    real = readahead._start

    def start(*args: Any) -> readahead._Worker:
        started.append(real(*args))
        assert (started[-1].forked is not None) == (how == "fork")
        return started[-1]

    monkeypatch.setattr(readahead, "_start", start)
    return started


def test_the_reader_goes_on_while_the_importer_is_busy(
        tmp_path: Path, workers: list[readahead._Worker]) -> None:
    """Far more than a pipe's buffer holds (64 KiB), yet within `AHEAD` chunks: the reading
    process finishes while the importer has taken one document."""
    count = readahead.CHUNK * 6
    docs = readahead.read_ahead("invoices", many_invoices(tmp_path / "invoices.csv", count))
    first = next(docs)
    assert workers[0].wait(timeout=60) == 0  # ended, and well
    rest = list(docs)
    assert [first.invoice, *(d.invoice for d in rest)] == [f"INV-{i}" for i in range(count)]


def test_leaving_early_stops_the_reader_and_its_thread(
        tmp_path: Path, workers: list[readahead._Worker]) -> None:
    docs = readahead.read_ahead("invoices", many_invoices(tmp_path / "invoices.csv",
                                                          readahead.CHUNK * 60))
    next(docs)
    docs.close()  # as when an import stops at a refusal
    assert workers[0].wait(0) is not None
    assert not [t for t in threading.enumerate() if t.name == "patronage-readahead"]


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux's SCHED_IDLE")
def test_the_reader_runs_only_on_a_core_nothing_else_wants(
        tmp_path: Path, workers: list[readahead._Worker]) -> None:
    docs = readahead.read_ahead("invoices", many_invoices(tmp_path / "invoices.csv",
                                                          readahead.CHUNK * 60))
    next(docs)  # the reader is still at work: 60 chunks are more than the queue and pipe hold
    try:
        reader = workers[0].forked or workers[0].started
        assert os.sched_getscheduler(reader.pid) == os.SCHED_IDLE  # type: ignore[union-attr]
        assert os.sched_getscheduler(0) != os.SCHED_IDLE  # the importer is not
    finally:
        docs.close()


@pytest.mark.skipif(not hasattr(fcntl, "F_GETPIPE_SZ"), reason="Linux's pipe sizes")
def test_the_pipe_holds_a_megabyte() -> None:
    out, into = os.pipe()
    try:
        readahead._widen(out)
        assert fcntl.fcntl(into, fcntl.F_GETPIPE_SZ) == 1 << 20
    finally:
        os.close(out)
        os.close(into)


def test_the_commands_batch_is_the_importers() -> None:
    assert commands.BATCH == bulk.BATCH
