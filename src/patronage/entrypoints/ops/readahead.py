"""Reading an import file in a second process while this one posts.

The reading process parses the CSV into documents (`files.READERS`) and, for each invoice,
checks its body and works out its `body_hash` (the idempotency digest, C5), then hands the
documents over in order, pickled a chunk at a time through a pipe. This process still
checks every body itself (`post_invoice` parses it, so a bad one is refused with the same
code and line as ever); what it no longer does is read the CSV and hash, done on the other
core. The pipe's buffer keeps the reader at most a chunk or two ahead, so memory stays
bounded however large the file.

The reader is `python -m patronage.entrypoints.ops.readahead KIND FILE FD`: a fresh
interpreter, so nothing of this process (connections, threads) is inherited. Small files
are read here: starting it costs about half a second.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from patronage.core.errors import PatronageError
from patronage.service.bulk import Doc

CHUNK = 500  # documents per hand-over
WORTH_IT = 1_000_000  # bytes: smaller files are read in this process


def reader(kind: str, path: Path, ahead: bool | None = None) -> Iterator[Doc]:
    """The documents of `path`: read in a second process when the file is large enough
    (`ahead=None`), or as told."""
    from patronage.entrypoints.ops.files import READERS

    if ahead is None:
        ahead = path.stat().st_size >= WORTH_IT
    return read_ahead(kind, path) if ahead else READERS[kind](path)


def read_ahead(kind: str, path: Path) -> Iterator[Doc]:
    """`READERS[kind](path)`, run in another process; a refusal there is raised here."""
    out, into = os.pipe()
    try:
        worker = subprocess.Popen(
            [sys.executable, "-m", __name__, kind, str(path), str(into)], pass_fds=(into,),
            stdin=subprocess.DEVNULL)
    finally:
        os.close(into)
    try:
        with os.fdopen(out, "rb") as pipe:
            while True:
                try:
                    item: Any = pickle.load(pipe)
                except EOFError:
                    raise RuntimeError(f"the reading process stopped ({worker.wait()})") from None
                if item is None:
                    return
                if isinstance(item, list):
                    yield from item
                elif item[0] == "refused":  # ("refused", code, message, problems)
                    raise PatronageError(item[1], item[2], item[3])
                else:  # ("failed", what)
                    raise RuntimeError(f"the reading process failed: {item[1]}")
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()


def _read(kind: str, path: Path, pipe: Any) -> None:
    """In the reading process: documents in chunks, then None (or what went wrong)."""
    from patronage.entrypoints.ops.files import READERS

    def send(item: Any) -> None:
        pickle.dump(item, pipe, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        chunk: list[Doc] = []
        for doc in READERS[kind](path):
            if kind == "invoices":
                _digest(doc)
            chunk.append(doc)
            if len(chunk) >= CHUNK:
                send(chunk)
                chunk = []
        if chunk:
            send(chunk)
        send(None)
    except PatronageError as err:  # a refusal of the whole file (its header)
        send(("refused", err.code, err.message, err.problems))
    except Exception as exc:  # noqa: BLE001 - reported in the importing process
        send(("failed", f"{type(exc).__name__}: {exc}"))


def _digest(doc: Doc) -> None:
    """An invoice's digest, when its body is good (a bad one is refused by the poster)."""
    from patronage.service.inputs import InvoiceIn, parse
    from patronage.service.invoices import body_hash

    if doc.body is None or doc.error is not None:
        return
    try:
        doc.digest = body_hash(parse(InvoiceIn, doc.body))
    except PatronageError:
        return


if __name__ == "__main__":
    with os.fdopen(int(sys.argv[3]), "wb") as sink:
        try:
            _read(sys.argv[1], Path(sys.argv[2]), sink)
        except BrokenPipeError:  # the importer stopped reading: nothing more to do
            pass
