"""A POS that uses the client installs nothing of the server's: importing it loads
neither the web framework, the database layer nor the ASGI server."""

from __future__ import annotations

import json
import subprocess
import sys

SERVER_SIDE = ("fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "psycopg", "jinja2",
               "typer")


def test_importing_the_client_loads_nothing_of_the_server() -> None:
    probe = ("import json, sys\n"
             "from patronage.client import PatronageClient, InvoiceOut, PatronageApiError\n"
             f"print(json.dumps(sorted(m for m in {SERVER_SIDE!r} if m in sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
