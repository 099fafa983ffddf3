"""Who wrote what: every console write is recorded with its user (`web_requests`), as every
API write is recorded with its key (`api_requests`, entrypoints/api/guard.py). The admin's
`/audit` page reads both, newest first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from patronage.adapters.db import tables_api as ta
from patronage.adapters.db.tables_web import web_requests
from patronage.entrypoints.web.accounts import User
from patronage.service.app import Patronage
from patronage.service.uow import Tx


def _clean(text: str, size: int) -> str:
    """Text safe to store in any database: no NUL characters, at most `size` long."""
    return text.replace("\x00", "\ufffd")[:size]


def record(app: Patronage, user: User, method: str, path: str, status: int,
           outcome: str | None) -> None:
    """Record one console write: the user, what, and how it was answered."""
    app.run(lambda tx: tx.repo.conn.execute(insert(web_requests).values(
        at=tx.now, user_id=user.id, user_name=user.name, method=method[:10],
        path=_clean(path, 500), status=status,
        outcome=None if outcome is None else _clean(outcome, 500))), user=user.name)


def recent(app: Patronage, limit: int = 200) -> list[dict[str, Any]]:
    """The newest writes of the console and of the API together, newest first."""
    def work(tx: Tx) -> list[dict[str, Any]]:
        w, a = web_requests, ta.api_requests
        console = [{"at": r["at"], "via": "console", "who": r["user_name"],
                    "method": r["method"], "path": r["path"], "status": r["status"],
                    "outcome": r["outcome"]}
                   for r in tx.repo.all(select(w).order_by(w.c.id.desc()).limit(limit))]
        api = [{"at": r["at"], "via": "API", "who": r["key_name"], "method": r["method"],
                "path": r["path"], "status": r["status"], "outcome": None}
               for r in tx.repo.all(select(a).order_by(a.c.id.desc()).limit(limit))]
        return sorted(console + api, key=lambda r: r["at"], reverse=True)[:limit]

    return app.read(work)
