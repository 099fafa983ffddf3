"""Several server processes on one port: a small supervisor that forks N children.

The parent binds the listening socket once and forks; every child runs its own app and
uvicorn.Server on that shared socket, and the kernel hands each connection to one of
them. The socket is made with `IPPROTO_TCP` named: asyncio sets TCP_NODELAY only on
accepted sockets whose protocol says TCP, and a socket made as uvicorn's `--workers`
makes it (protocol 0) loses it, so every keep-alive answer waits about 40 ms for the
client's delayed ACK (docs/operations.md has the figures). A child that dies is started
again (after a pause that grows while children keep dying young); SIGTERM or SIGINT stops
every child gracefully, and kills those still running after `grace` seconds.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("patronage.processes")
MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"


def listen(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket whose accepted connections asyncio makes TCP_NODELAY."""
    info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP,
                              flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = info[0]
    sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(backlog)
        sock.set_inheritable(True)
    except BaseException:
        sock.close()
        raise
    return sock


def prepare_metrics_directory() -> tuple[str, bool]:
    """Before prometheus-client is imported: a directory where the children keep their
    figures (PROMETHEUS_MULTIPROC_DIR; made here unless given, emptied if given)."""
    import tempfile

    path = os.environ.get(MULTIPROC)
    if path:
        os.makedirs(path, exist_ok=True)
        for old in os.listdir(path):  # an earlier run's figures are not this run's
            if old.endswith(".db"):
                os.remove(os.path.join(path, old))
        return path, False
    path = tempfile.mkdtemp(prefix="patronage-metrics-")
    os.environ[MULTIPROC] = path
    return path, True


def _metrics_process_gone(pid: int) -> None:
    if os.environ.get(MULTIPROC) and "prometheus_client" in sys.modules:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def _end_with(parent: int) -> None:
    """Have the kernel send this child SIGTERM when the supervisor dies, however it dies
    (Linux's PR_SET_PDEATHSIG), so a supervisor killed with SIGKILL leaves no server
    behind; elsewhere the child lives on until stopped."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


@dataclass
class Supervisor:
    """Keep `count` children running `target(index)` until told to stop."""

    target: Callable[[int], int | None]
    count: int
    grace: float = 30.0
    children: dict[int, tuple[int, float]] = field(default_factory=dict)  # pid: (index, born)
    _stop: threading.Event = field(default_factory=threading.Event)
    _young_deaths: int = 0

    def run(self) -> int:
        """Start the children and look after them; returns when they have all ended."""
        previous = {sig: signal.signal(sig, self._on_signal)
                    for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for index in range(self.count):
                self._spawn(index)
            while not self._stop.is_set():
                self._reap(restart=True)
                self._stop.wait(0.2)
            self._shutdown()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def stop(self) -> None:
        self._stop.set()

    def _on_signal(self, signum: int, _frame: object) -> None:
        log.info("supervisor: %s, stopping %d worker(s)", signal.Signals(signum).name,
                 len(self.children))
        self._stop.set()

    def _spawn(self, index: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: its own signal handlers, its own app; never returns
            code = 1
            try:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(sig, signal.SIG_DFL)
                _end_with(parent)
                result = self.target(index)
                code = 0 if result is None else int(result)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 - shown, then the child ends
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.children[pid] = (index, time.monotonic())
        log.info("supervisor: started worker %d (pid %d)", index, pid)

    def _reap(self, restart: bool) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            if pid not in self.children:
                continue
            index, born = self.children.pop(pid)
            _metrics_process_gone(pid)
            if not restart or self._stop.is_set():
                continue
            how = (f"signal {signal.Signals(-os.waitstatus_to_exitcode(status)).name}"
                   if os.WIFSIGNALED(status) else f"status {os.waitstatus_to_exitcode(status)}")
            young = time.monotonic() - born < 5
            self._young_deaths = self._young_deaths + 1 if young else 0
            pause = min(30.0, 0.5 * 2 ** (self._young_deaths - 1)) if young else 0.0
            log.warning("supervisor: worker %d (pid %d) ended with %s; starting it again%s",
                        index, pid, how, f" in {pause:.1f} s" if pause else "")
            if pause and self._stop.wait(pause):
                return
            self._spawn(index)

    def _shutdown(self) -> None:
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + self.grace
        while self.children and time.monotonic() < deadline:
            self._reap(restart=False)
            time.sleep(0.05)
        for pid in list(self.children):
            log.warning("supervisor: worker pid %d did not stop in %.0f s; killing it", pid,
                        self.grace)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        while self.children:
            self._reap(restart=False)
            time.sleep(0.05)
