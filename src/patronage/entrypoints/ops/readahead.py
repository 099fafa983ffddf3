"""Reading an import file in a second process while this one posts.

The reading process parses the CSV into documents (`files.READERS`) and, for each invoice,
checks its body and works out its `body_hash` (the idempotency digest, C5), then hands the
documents over in order, pickled a chunk at a time through a pipe. This process still
checks every body itself (`post_invoice` parses it, so a bad one is refused with the same
code and line as ever); what it no longer does is read the CSV and hash, done on the other
core. A thread here takes the chunks off the pipe into a queue of `AHEAD` chunks, so the
reader keeps going while this process commits a batch, and memory stays bounded (at most
`AHEAD` chunks wait) however large the file.

The reader is a fork of this process (multiprocessing's "fork" start): it has every
module it needs already, so the first documents come about 0.03 s after the start, where
a fresh interpreter took 0.3 s to import them. The fork touches nothing it inherits: it
never uses this process's connections or threads, it freezes the cycle collector's view
of what it inherited (nothing of ours is finalized there, so a pooled connection's socket
is never closed by it), and it leaves by `os._exit`, running no finalizer. Where there is
no fork (Windows, macOS's default) the reader is `python -m
patronage.entrypoints.ops.readahead KIND FILE FD`, a fresh interpreter. Small files are
read here.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from patronage.core.errors import PatronageError
from patronage.service.documents import Doc

CHUNK = 500  # documents per hand-over
FIRST_CHUNK = 100  # the first hand-over is smaller: the importer starts on it sooner
AHEAD = 20  # chunks read ahead, at most, waiting for the importer
WORTH_IT = 1_000_000  # bytes: smaller files are read in this process


def reader(kind: str, path: Path, ahead: bool | None = None) -> Iterator[Doc]:
    """The documents of `path`: read in a second process when the file is large enough
    (`ahead=None`), or as told."""
    from patronage.entrypoints.ops.files import READERS

    if ahead is None:
        ahead = path.stat().st_size >= WORTH_IT
    return read_ahead(kind, path) if ahead else READERS[kind](path)


def read_ahead(kind: str, path: Path) -> Iterator[Doc]:
    """`READERS[kind](path)`, run in another process; a refusal there is raised here.

    A thread of this process takes the chunks off the pipe as they come, into a queue of
    `AHEAD` chunks: the reader never waits for a pipe buffer that this process, busy with
    a batch, is not emptying."""
    out, into = os.pipe()
    _widen(out)
    try:
        worker = _start(kind, path, out, into)
    finally:
        os.close(into)
    chunks: queue.Queue[Any] = queue.Queue(AHEAD)
    stop = threading.Event()
    drain = threading.Thread(target=_drain, args=(os.fdopen(out, "rb"), chunks, stop),
                             name="patronage-readahead", daemon=True)
    drain.start()
    try:
        while True:
            item = chunks.get()
            if item is None:
                return
            if isinstance(item, list):
                yield from item
            elif item[0] == "refused":  # ("refused", code, message, problems)
                raise PatronageError(item[1], item[2], item[3])
            elif item[0] == "stopped":
                raise RuntimeError("the reading process stopped before the end of the file")
            else:  # ("failed", what)
                raise RuntimeError(f"the reading process failed: {item[1]}")
    finally:
        stop.set()
        worker.stop()
        drain.join()


def _widen(fd: int) -> None:
    """A pipe of a megabyte where Linux allows it (64 KB otherwise)."""
    try:
        import fcntl
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):  # not Linux, or above its pipe-max-size
        pass


class _Worker:
    """The reading process, forked or started afresh."""

    def __init__(self, forked: Any = None, started: subprocess.Popen[bytes] | None = None):
        self.forked, self.started = forked, started

    def wait(self, timeout: float | None = None) -> int | None:
        """Its exit code, waiting up to `timeout` (None: as long as it takes)."""
        if self.forked is not None:
            self.forked.join(timeout)
            return self.forked.exitcode  # type: ignore[no-any-return]
        assert self.started is not None
        try:
            return self.started.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """End it (if it has not ended) and wait for it."""
        if self.wait(0) is None:
            (self.forked or self.started).kill()  # type: ignore[union-attr]
        self.wait()


FORK = "fork" in multiprocessing.get_all_start_methods()


def _start(kind: str, path: Path, out: int, into: int) -> _Worker:
    if FORK:
        proc = multiprocessing.get_context("fork").Process(
            target=_forked, args=(kind, path, out, into), name="patronage-reader", daemon=True)
        proc.start()
        return _Worker(forked=proc)
    return _Worker(started=subprocess.Popen(
        [sys.executable, "-m", __name__, kind, str(path), str(into)], pass_fds=(into,),
        stdin=subprocess.DEVNULL))


def _forked(kind: str, path: Path, out: int, into: int) -> None:
    """The forked reader's body (see the module docstring)."""
    gc.freeze()  # what came from the importer is never collected, so never finalized, here
    os.close(out)
    _yield_cpu()
    try:
        with os.fdopen(into, "wb") as sink:
            _read(kind, path, sink)
    except BrokenPipeError:  # the importer stopped reading: nothing more to do
        pass
    finally:
        os._exit(0)


def _yield_cpu() -> None:
    """The reader runs only on a core nothing else wants (Linux's SCHED_IDLE; elsewhere a
    lower priority). It is far ahead of the importer and has its queue to fill, so it
    loses nothing; with three busy threads on two cores (the importer, its writing thread,
    the reader) the importer was otherwise put aside often enough to lose about 2 % of its
    time (the reader's own CPU time is about a quarter of the importer's)."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        try:
            os.nice(10)
        except (AttributeError, OSError):
            pass


def _drain(pipe: Any, chunks: queue.Queue[Any], stop: threading.Event) -> None:
    """In a thread: the pipe's items into `chunks` until the end (None), a refusal, or
    `stop` (the importer is done with them, early or not)."""
    with pipe:
        while not stop.is_set():
            try:
                item: Any = pickle.load(pipe)
            except (EOFError, OSError, pickle.UnpicklingError):
                item = ("stopped",)
            while not stop.is_set():
                try:
                    chunks.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if item is None or not isinstance(item, list):
                return


def _read(kind: str, path: Path, pipe: Any) -> None:
    """In the reading process: documents in chunks, then None (or what went wrong)."""
    from patronage.entrypoints.ops.files import READERS

    def send(item: Any) -> None:
        pickle.dump(item, pipe, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        chunk: list[Doc] = []
        size = FIRST_CHUNK
        for doc in READERS[kind](path):
            if kind == "invoices":
                _digest(doc)
            chunk.append(doc)
            if len(chunk) >= size:
                send(chunk)
                chunk, size = [], CHUNK
        if chunk:
            send(chunk)
        send(None)
    except PatronageError as err:  # a refusal of the whole file (its header)
        send(("refused", err.code, err.message, err.problems))
    except Exception as exc:  # noqa: BLE001 - reported in the importing process
        send(("failed", f"{type(exc).__name__}: {exc}"))


def _digest(doc: Doc) -> None:
    """An invoice's digest, when its body is good (a bad one is refused by the poster)."""
    from patronage.service.inputs import InvoiceIn, body_hash, parse

    if doc.body is None or doc.error is not None:
        return
    try:
        doc.digest = body_hash(parse(InvoiceIn, doc.body))
    except PatronageError:
        return


if __name__ == "__main__":
    _yield_cpu()
    with os.fdopen(int(sys.argv[3]), "wb") as sink:
        try:
            _read(sys.argv[1], Path(sys.argv[2]), sink)
        except BrokenPipeError:  # the importer stopped reading: nothing more to do
            pass
