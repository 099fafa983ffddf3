"""Shop set-up (admin): settings, stores, statuses, credit memo reasons, price groups,
employees and the subscribers of the "award earned" event.

Each section is one form of rows (the existing ones and a blank one to add); saving it
sends that section, with the shop's current settings, to `configure_shop`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patronage.core.errors import PatronageError
from patronage.entrypoints.web.deps import (
    Admin,
    ConsoleDep,
    ConsoleRoute,
    Posted,
    page,
    redirect,
    refused,
)
from patronage.entrypoints.web.forms import rows_of
from patronage.service import reports

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

SECTIONS: dict[str, tuple[str, ...]] = {
    "stores": ("id", "name", "active"),
    "statuses": ("code", "include_in_loyalty"),
    "reasons": ("code", "account"),
    "price_groups": ("code", "discount_percent"),
    "employees": ("id", "email", "store"),
    "subscribers": ("email", "event"),
}
CHECKBOXES = {"active", "include_in_loyalty", "allow_credit_for_gift_cards"}


@router.get("/shop", response_class=HTMLResponse)
def shop_page(request: Request, user: Admin, c: ConsoleDep) -> Response:
    return page(request, "shop.html", title="Shop set-up", lists=c.facade.read(reports.shop_lists))


@router.post("/shop/{section}")
def shop_save(section: str, user: Admin, form: Posted, c: ConsoleDep) -> Response:
    current = c.facade.read(reports.shop_lists)["shop"]
    body: dict[str, Any] = {"name": current["name"], "currency": current["currency"],
                            "allow_credit_for_gift_cards":
                                bool(current["allow_credit_for_gift_cards"])}
    if section == "settings":
        body["name"] = str(form.get("name") or "").strip() or current["name"]
        body["currency"] = str(form.get("currency") or "").strip().upper() or current["currency"]
        body["allow_credit_for_gift_cards"] = form.get("allow_credit_for_gift_cards") == "on"
    elif section in SECTIONS:
        rows = rows_of(form, section, SECTIONS[section], CHECKBOXES)
        if section == "employees":
            for row in rows:
                if row.get("store") in ("", None):
                    row.pop("store", None)
        body[section] = rows
    else:
        return redirect("/shop", f"unknown section {section!r}", "error")
    try:
        c.facade.configure_shop(body)
    except PatronageError as err:
        return refused(f"/shop#{section}", err)
    return redirect(f"/shop#{section}", f"{section.replace('_', ' ')} saved")
