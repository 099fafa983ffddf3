"""Every console write is recorded with the user who made it (`web_requests`), as every API
write is recorded with its key; the admin reads both on `/audit`."""

from __future__ import annotations

from sqlalchemy import select

from patronage.adapters.db.tables_web import web_requests
from patronage.entrypoints.api import records
from patronage.service.app import Patronage

from .helpers import Console, console_for, seed


def audited(app: Patronage) -> list[tuple[str, str, int, str]]:
    with app.engine.connect() as conn:
        rows = conn.execute(select(web_requests).order_by(web_requests.c.id)).mappings().all()
    return [(r["user_name"], r["path"], r["status"], r["outcome"] or "") for r in rows]


def test_each_console_edit_records_its_user(admin: Console, shop: Patronage) -> None:
    seed(shop)
    maria = console_for(shop, "manager")
    admin.get("/shop")
    admin.post("/shop/stores", {"stores.0.id": "3", "stores.0.name": "South",
                                "stores.0.active": "on"})
    maria.get("/customers/C2")
    maria.post("/customers", {"id": "C9", "name": "New Person"})
    maria.post("/customers/C2/edit", {"name": "Robert Stone"})
    maria.post("/customers/C2/cards", {"number": "555"})
    maria.post("/customers/C2/adjust", {"mode": "points", "amount": "50", "reason": "goodwill"})
    maria.post("/customers/C3/enroll", {"program": "club"})
    maria.post("/programs/club/close")
    maria.post("/maintenance", {"date": "2024-01-01", "store": "1"})
    maria.post("/awards", {"program": "club", "as_of": "2024-01-01", "op": "preview"})
    assert audited(shop) == [
        ("admin", "/shop/stores", 303, "ok: stores saved"),
        ("manager", "/customers", 303, "ok: customer C9 saved"),
        ("manager", "/customers/C2/edit", 303, "ok: customer C2 saved"),
        ("manager", "/customers/C2/cards", 303, "ok: card 555 added to C2"),
        ("manager", "/customers/C2/adjust", 303,
         "ok: adjusted by 50 points; available now 450, pending 0"),
        ("manager", "/customers/C3/enroll", 303, "ok: C3 enrolled in club"),
        ("manager", "/programs/club/close", 303, "ok: program club closed to new enrollments"),
        ("manager", "/maintenance", 303, "ok: Maintenance ran for 2024-01-01: nothing to do."),
        ("manager", "/awards", 200, ""),  # a preview: a page, no message
    ]


def test_refusals_are_recorded_and_anonymous_posts_are_not(admin: Console,
                                                           shop: Patronage) -> None:
    seed(shop)
    cashier = console_for(shop, "cashier")
    admin.get("/customers/C2")
    admin.post("/customers/C2/adjust", {"mode": "points", "amount": "-1000"})
    cashier.get("/customers/C2")
    cashier.post("/customers/C2/adjust", {"mode": "points", "amount": "1000"})
    stranger = Console(shop)
    stranger.client.post("/customers/C2/adjust", data={"mode": "points", "amount": "1000"})
    (who, path, status, outcome), (who2, path2, status2, outcome2) = audited(shop)
    assert (who, path, status) == ("admin", "/customers/C2/adjust", 422)  # the form again
    assert outcome.startswith("error: insufficient_points")
    assert (who2, path2, status2) == ("cashier", "/customers/C2/adjust", 403)
    assert "needs the manager role" in outcome2
    assert shop.balance("C2").available == 400


def test_the_audit_page_shows_console_and_api_writes(admin: Console, shop: Patronage) -> None:
    seed(shop)
    key = records.create_key(shop, "till-1", "cashier")
    records.audit(shop, records.find_key(shop, key["key"]), "POST", "/v1/invoices", 201, None)
    admin.get("/customers/C2")
    admin.post("/customers/C2/edit", {"name": "Robert Stone"})
    page = admin.get("/audit").text
    rows = page.split('id="audit"')[1]
    assert "till-1" in rows and "POST /v1/invoices" in rows and "API" in rows
    assert "POST /customers/C2/edit" in rows and "customer C2 saved" in rows
    assert console_for(shop, "manager").get("/audit").status_code == 403
