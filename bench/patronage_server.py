"""`patronage serve` for bench/http.py, with uvicorn's access log off (as for the bare server).

Everything else is the real command: its settings (PATRONAGE_* environment variables and
the options given here), its app, its uvicorn arguments. Only `access_log=False` is added
to the call `patronage serve` makes, so that neither server spends its time on a log line.

Run: python bench/patronage_server.py --port PORT --database URL
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py would shadow the standard library's `http` for scripts run from bench/.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from typing import Any

import uvicorn

_run = uvicorn.run


def _quiet_run(app: Any, **kwargs: Any) -> None:
    _run(app, **{**kwargs, "access_log": False})


def main() -> None:
    uvicorn.run = _quiet_run  # `patronage serve` looks it up when it calls it
    from patronage.entrypoints.cli import main as patronage

    sys.argv = ["patronage", "serve", *sys.argv[1:]]
    patronage()


if __name__ == "__main__":
    main()
