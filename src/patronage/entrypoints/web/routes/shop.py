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
)
from patronage.entrypoints.web.forms import errors_of, numbered_rows
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
    return _page(request, c)


def _page(request: Request, c: Any, status_code: int = 200, **ctx: Any) -> Response:
    """The set-up page; a refused section is shown again as typed, each problem beside
    its field (`failed`: the section, `typed`: its rows or settings, `errors`)."""
    return page(request, "shop.html", status_code=status_code, title="Shop set-up",
                lists=c.facade.read(reports.shop_lists), failed=ctx.pop("failed", ""),
                typed=ctx.pop("typed", None), errors=ctx.pop("errors", {}), **ctx)


@router.post("/shop/{section}", response_class=HTMLResponse)
def shop_save(section: str, request: Request, user: Admin, form: Posted,
              c: ConsoleDep) -> Response:
    current = c.facade.read(reports.shop_lists)["shop"]
    body: dict[str, Any] = {"name": current["name"], "currency": current["currency"],
                            "allow_credit_for_gift_cards":
                                bool(current["allow_credit_for_gift_cards"])}
    numbered: list[tuple[int, dict[str, Any]]] = []
    if section == "settings":
        body["name"] = str(form.get("name") or "").strip() or current["name"]
        body["currency"] = str(form.get("currency") or "").strip().upper() or current["currency"]
        body["allow_credit_for_gift_cards"] = form.get("allow_credit_for_gift_cards") == "on"
        if form.get("programs_per_customer"):  # E1: one | many (a bad value: `invalid`)
            body["programs_per_customer"] = str(form.get("programs_per_customer"))
    elif section in SECTIONS:
        numbered = numbered_rows(form, section, SECTIONS[section], CHECKBOXES)
        rows = [dict(row) for _, row in numbered]
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
        return _refused(request, c, section, form, err, [i for i, _ in numbered])
    return redirect(f"/shop#{section}", f"{section.replace('_', ' ')} saved")


def _refused(request: Request, c: Any, section: str, form: Any, err: PatronageError,
             at: list[int]) -> Response:
    """The page again with what was typed; a problem of the body's row N goes beside
    the form's row `at[N]` (untouched blank rows are not sent)."""
    shown_at: dict[int, int] = {}  # the form's row number: its place as shown again
    if section == "settings":
        typed: Any = {"name": str(form.get("name") or ""),
                      "currency": str(form.get("currency") or ""),
                      "allow_credit_for_gift_cards": form.get("allow_credit_for_gift_cards") == "on",
                      "programs_per_customer": str(form.get("programs_per_customer") or "")}
        fields = list(typed)
    else:
        every = numbered_rows(form, section, SECTIONS[section], CHECKBOXES, keep_blank=True)
        typed = [row for _, row in every]
        shown_at = {number: place for place, (number, _) in enumerate(every)}
        fields = [f"{section}.{i}.{f}" for i in range(len(typed)) for f in SECTIONS[section]]

    def rename(field: str) -> str:
        parts = field.split(".")
        if len(parts) > 1 and parts[0] == section and parts[1].isdigit() \
                and int(parts[1]) < len(at):
            parts[1] = str(shown_at[at[int(parts[1])]])
        return ".".join(parts)

    return _page(request, c, 422, failed=section, typed=typed,
                 errors=errors_of(err, fields, rename))
