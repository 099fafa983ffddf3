"""The "try it" page's engine: run a scenario file on an empty copy of the shop.

The manager's file needs only `customers` and `timeline`; the shop's own set-up and
programs are added to it (at the end, so the lines the runner reports are the lines the
manager wrote) unless the file has its own. A draft program being tried runs as open.
The run happens on an in-memory database; live data is never touched.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from patronage.entrypoints.simulate import Session, simulate
from patronage.entrypoints.simulate.database import patronage_session
from patronage.entrypoints.simulate.source import YamlSyntaxError, read_yaml
from patronage.service import explaining, queries, reports
from patronage.service.app import Patronage
from patronage.service.setup import program_to_dict
from patronage.service.uow import Tx

EXPLAINED_INVOICES = 50  # the page explains the first invoices of the story, not thousands


def shop_section(app: Patronage) -> dict[str, Any]:
    lists = app.read(reports.shop_lists)
    shop = lists["shop"]
    return {
        "name": shop["name"], "currency": shop["currency"],
        "allow_credit_for_gift_cards": bool(shop["allow_credit_for_gift_cards"]),
        "stores": [{"id": s["id"], "name": s["name"], "active": bool(s["active"])}
                   for s in lists["stores"]],
        "statuses": [{"code": s["code"], "include_in_loyalty": bool(s["include_in_loyalty"])}
                     for s in lists["statuses"]],
        "reasons": [{"code": r["code"], "account": r["account"]} for r in lists["reasons"]],
        "price_groups": [{"code": g["code"], "discount_percent": str(g["discount_percent"])}
                         for g in lists["price_groups"]],
        "employees": [{k: v for k, v in {"id": e["id"], "email": e["email"],
                                         "store": e["store_id"]}.items() if v is not None}
                      for e in lists["employees"]],
        "subscribers": [{"email": s["email"], "event": s["event"]} for s in lists["subscribers"]],
    }


def programs_section(app: Patronage, trying: str | None) -> list[dict[str, Any]]:
    out = []
    for p in app.read(lambda tx: tx.repo.programs()):
        body = program_to_dict(p)
        if p.id == trying and body.get("status") == "draft":
            body["status"] = "open"
        out.append(body)
    return out


def merged(text: str, app: Patronage, trying: str | None) -> str:
    """The manager's scenario with the shop's set-up and programs appended where missing."""
    try:
        doc = read_yaml(text).data
    except YamlSyntaxError:
        return text  # the runner reports the problem with its line
    if not isinstance(doc, dict):
        return text
    extra: dict[str, Any] = {}
    if "shop" not in doc:
        extra["shop"] = shop_section(app)
    if "programs" not in doc:
        extra["programs"] = programs_section(app, trying)
    if not extra:
        return text
    tail = yaml.safe_dump(extra, sort_keys=False, default_flow_style=False)
    return text.rstrip("\n") + "\n# --- added by the console: the shop's set-up and programs ---\n" \
        + tail


@dataclass
class Tried:
    """What a run gave: the exit code, the runner's lines, and each invoice of the story
    explained as it stood at the end (issue 21 item 9: why it earned that)."""

    code: int
    lines: list[str]
    invoices: list[dict[str, Any]] = field(default_factory=list)


def explain_invoices(tx: Tx) -> list[dict[str, Any]]:
    """The story's invoices, each with its figures and its lines explained."""
    out = []
    for inv in explaining.every_invoice(tx)[:EXPLAINED_INVOICES]:
        customer = tx.repo.customer(inv["customer_id"]) if inv["customer_id"] else None
        out.append({"invoice": queries.invoice_view(inv, explaining.points_earnable(tx, inv)),
                    "status": customer["status"] if customer else None,
                    **explaining.explain_invoice(tx, inv)})
    return out


def run(text: str, app: Patronage, trying: str | None = None) -> Tried:
    """Run the scenario; the exit code, the runner's lines and the invoices explained."""
    lines: list[str] = []
    invoices: list[dict[str, Any]] = []

    @contextmanager
    def explained(first_day: dt.date) -> Iterator[Session]:
        with patronage_session(first_day) as session:
            yield session
            if isinstance(session.app, Patronage):  # read before the database is dropped
                invoices.extend(session.app.read(explain_invoices))

    with tempfile.TemporaryDirectory(prefix="patronage-try-") as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_text(merged(text, app, trying))
        code = simulate([str(path)], None, out=lambda line: lines.append(str(line)),
                        open_session=explained)
    return Tried(code, [line.replace(str(path), "scenario.yaml") for line in lines], invoices)


def sample(app: Patronage, program_id: str | None) -> str:
    """A small story to start from: one customer enrolls and buys once."""
    programs = {p.id: p for p in app.read(lambda tx: tx.repo.programs())}
    program = programs.get(program_id or "") or next(iter(programs.values()), None)
    today = app.clock.today()
    if program is None:
        return "customers:\n  - {id: T1, name: Test Customer}\ntimeline: []\n"
    day = max(program.effective, today) if program.effective else today
    stores = app.read(reports.shop_lists)["stores"]
    store = stores[0]["id"] if stores else 1
    later = day + dt.timedelta(days=max(program.grace_days, 0) + 1)
    return f"""# Try "{program.name}" on a test shop: this story runs on an empty copy of the
# shop's set-up and programs, never on live data. Change it and add checks, then Run.
customers:
  - {{id: T1, name: Test Customer, email: t1@example.com}}
timeline:
  - date: {day.isoformat()}
    enroll: {{customer: T1, program: {program.id}}}
  - date: {day.isoformat()}
    invoice:
      id: TRY-1
      customer: T1
      store: {store}
      lines: [{{sku: ITEM-1, qty: 1, price: "250.00"}}]
      payments: [{{tender: cash, amount: "250.00"}}]
  - date: {later.isoformat()}
    expect:
      customers:
        T1: {{program: {program.id}}}   # add e.g. pending: 0, available: 50
"""
