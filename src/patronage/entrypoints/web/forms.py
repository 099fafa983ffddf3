"""HTML forms to command bodies and back, and validation problems placed beside fields.

Form fields are named by the dotted paths of the program format (`grace_days`,
`filters.0.item_types`, `awards.1.credit_memo.amount`), the same paths a
`PatronageError`'s problems name, so each problem can be shown next to its field. A form
is shown from a flat "display" mapping of strings; lists are written comma-separated and a
blank value means "not set" (for `expires`: never).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from patronage.core.errors import PatronageError, Problem
from patronage.entrypoints.web import tier_form

LIST_SECTIONS = ("filters", "multipliers", "percent_tiers", "awards")
COMMON = ("id", "name", "kind", "effective", "expires", "accrue_on", "cash_equivalent_only",
          "start_date", "eligible_statuses", "comments",
          "remind_credit_expiring_days")  # issue 23 item 4
BY_KIND: dict[str, tuple[str, ...]] = {
    "recurring": ("award_processing", "grace_days", "points_expire_days",
                  "remind_points_expiring_days"),
    "program_end": ("enrollment_basis", "calendar_start", "duration_months"),
    "points_bank": ("point_value", "grace_days", "points_expire_days", "may_pay_sales_tax",
                    "may_pay_gift_cards", "redeem_as", "report_in_sale_code",
                    "remind_points_expiring_days", "return_restores_redemption",
                    "redeem_min_points", "redeem_step_points",
                    "redeem_max_share_percent"),  # issue 23 item 2 (R6-R8)
}
ALL_FIELDS = COMMON + tuple(dict.fromkeys(f for fs in BY_KIND.values() for f in fs))
BOOLS = {"cash_equivalent_only", "may_pay_sales_tax", "may_pay_gift_cards",
         "notify.subscribers", "return_restores_redemption"}
LISTS = {"eligible_statuses", "transaction_types", "stores", "job_types", "vendors",
         "manufacturers", "product_lines", "sub_departments", "item_types", "items",
         "exclude_item_types", "notify.employees",
         "remind_points_expiring_days", "remind_credit_expiring_days"}
ROWS: dict[str, tuple[str, ...]] = {
    "filters": ("name", "effective", "expires", "transaction_types", "stores", "job_types",
                "vendors", "manufacturers", "product_lines", "sub_departments", "item_types",
                "items", "exclude_item_types", "min_qty", "whiteboard"),
    "multipliers": ("name", "effective", "expires", "transaction_types", "currency_per_point",
                    "whiteboard"),
    "percent_tiers": ("up_to", "percent"),
    "awards": ("name", "effective", "expires", "level", "level_from", "level_to",
               "credit_memo.amount", "credit_memo.expire_days", "credit_memo.reason",
               "coupon.amount", "coupon.expire_days", "price_group", "notify.employees",
               "notify.subscribers", "notify.letter_template", "whiteboard"),
}
SECTIONS_BY_KIND = {
    "recurring": ("filters", "multipliers", "awards"),
    "program_end": ("filters", "multipliers", "awards"),
    "points_bank": ("filters", "multipliers", "percent_tiers"),
}
AWARD_LEVELS = {"recurring": ("level",), "program_end": ("level_from", "level_to"),
                "points_bank": ()}


def _show(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        if isinstance(value, Mapping):
            out |= _flatten(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = _show(value)
    return out


def display_of(program: Mapping[str, Any]) -> dict[str, Any]:
    """A stored program (the `ProgramIn` mapping) as the form shows it."""
    out: dict[str, Any] = {f: _show(program.get(f)) for f in ALL_FIELDS}
    out["status"] = program.get("status", "draft")
    for section, fields in ROWS.items():
        rows = []
        for row in program.get(section) or []:
            flat = _flatten(row)
            rows.append({f: flat.get(f, False if f in BOOLS else "") for f in fields})
        out[section] = rows
    out |= tier_form.display(program.get("status_tiers"))  # issue 23 item 1
    return out


def blank_row(section: str) -> dict[str, Any]:
    return {f: False if f in BOOLS else "" for f in ROWS[section]}


def display_from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """What was typed, kept as typed (to show again beside its problems)."""
    out: dict[str, Any] = {f: (form.get(f) == "on") if f in BOOLS else str(form.get(f) or "")
                           for f in ALL_FIELDS}
    out["status"] = str(form.get("status") or "draft")
    for section, fields in ROWS.items():
        rows = []
        for i in _indices(form, section):
            if form.get(f"{section}.{i}._remove") == "on":
                continue
            rows.append({f: (form.get(f"{section}.{i}.{f}") == "on") if f in BOOLS
                         else str(form.get(f"{section}.{i}.{f}") or "") for f in fields})
        out[section] = rows
    out |= tier_form.typed(form)  # issue 23 item 1
    return out


def _indices(form: Mapping[str, Any], section: str) -> list[int]:
    """The row numbers N of fields named `section.N.field`, in order."""
    found = set()
    for key in form:
        parts = str(key).split(".")
        # ASCII digits, at most 4: "²" is a digit to isdigit(), and int() refuses it
        if len(parts) > 2 and parts[0] == section and parts[1].isascii() \
                and parts[1].isdigit() and len(parts[1]) <= 4:
            found.add(int(parts[1]))
    return sorted(found)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if rest:
        _put(target.setdefault(head, {}), rest, value)
    else:
        target[head] = value


def _row_body(section: str, row: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    if not any(v not in ("", False) for v in row.values()):
        return None  # an untouched blank row
    body: dict[str, Any] = {}
    for field in ROWS[section]:
        value = row.get(field, "")
        if section == "awards" and field in ("level", "level_from", "level_to") \
                and field not in AWARD_LEVELS[kind]:
            continue
        if section == "awards" and field == "price_group" and kind != "program_end":
            continue
        if field in BOOLS:
            if value:
                _put(body, field, True)
        elif field in LISTS:
            if str(value).strip():
                _put(body, field, _split(str(value)))
        elif str(value).strip():
            _put(body, field, str(value).strip())
    if section in ("filters", "multipliers", "awards"):
        body.setdefault("name", "")
    return body


def body_of(display: Mapping[str, Any], status: str | None = None) -> dict[str, Any]:
    """The `put_program` body of a form: blank means default, lists split on commas."""
    kind = str(display.get("kind") or "")
    fields = COMMON + BY_KIND.get(kind, ())
    body: dict[str, Any] = {}
    for field in fields:
        value = display.get(field, "")
        if field in BOOLS:
            body[field] = bool(value)
        elif field in LISTS:
            body[field] = _split(str(value))
        elif str(value).strip():
            body[field] = str(value).strip()
    for section in SECTIONS_BY_KIND.get(kind, LIST_SECTIONS):
        rows = [_row_body(section, row, kind) for row in display.get(section) or []]
        body[section] = [r for r in rows if r is not None]
    tiers = tier_form.body(display)  # issue 23 item 1: none filled in, no tiers
    if tiers is not None:
        body["status_tiers"] = tiers
    body["status"] = status or str(display.get("status") or "draft")
    return body


def known_paths(display: Mapping[str, Any]) -> set[str]:
    paths = set(ALL_FIELDS) | set(LIST_SECTIONS)
    for section, fields in ROWS.items():
        for i in range(len(display.get(section) or [])):
            paths.add(f"{section}.{i}")
            paths |= {f"{section}.{i}.{f}" for f in fields}
            paths |= {f"{section}.{i}.{f.split('.')[0]}" for f in fields if "." in f}
    return paths | tier_form.paths(display)  # issue 23 item 1


def place(problems: Iterable[Problem], display: Mapping[str, Any]) -> dict[str, list[str]]:
    """Problems by the form path they belong beside: the longest known prefix of each
    problem's field (a problem no field claims goes under "")."""
    known = known_paths(display)
    out: dict[str, list[str]] = {}
    for p in problems:
        parts = p.field.split(".")
        where = ""
        for n in range(len(parts), 0, -1):
            candidate = ".".join(parts[:n])
            if candidate in known:
                where = candidate
                break
        out.setdefault(where, []).append(p.message)
    return out


def rows_of(form: Mapping[str, Any], section: str, fields: tuple[str, ...],
            checkboxes: set[str]) -> list[dict[str, Any]]:
    """Rows `section.N.field` of a simple list form; untouched blank rows are dropped."""
    return [row for _, row in numbered_rows(form, section, fields, checkboxes)]


def numbered_rows(form: Mapping[str, Any], section: str, fields: tuple[str, ...],
                  checkboxes: set[str], keep_blank: bool = False
                  ) -> list[tuple[int, dict[str, Any]]]:
    """(N, row) for the rows `section.N.field` of a simple list form, as typed; untouched
    blank rows are dropped unless `keep_blank` (to show the form again as it was)."""
    rows = []
    for i in _indices(form, section):
        row: dict[str, Any] = {}
        for f in fields:
            raw = form.get(f"{section}.{i}.{f}")
            row[f] = (raw == "on") if f in checkboxes else str(raw or "").strip()
        if not keep_blank and all(row[f] == "" for f in fields if f not in checkboxes):
            continue
        rows.append((i, row))
    return rows


def errors_of(err: PatronageError, fields: Iterable[str],
              rename: Callable[[str], str] | None = None) -> dict[str, list[str]]:
    """A refusal's problems by the form field each belongs beside, for the `_macros.html`
    field macros: `rename` turns a problem's field (the command's path, `stores.1.name`)
    into the form's name for it; a problem whose field is not among `fields` (its longest
    known prefix is used) goes under "", after the refusal's own message (see the
    `form_errors` macro)."""
    known = set(fields)
    head = f"{err.code}: {err.message.removeprefix('Value error, ')}"
    out: dict[str, list[str]] = {"": [head]}
    for p in err.problems:
        parts = (rename(p.field) if rename else p.field).split(".")
        where = next((".".join(parts[:n]) for n in range(len(parts), 0, -1)
                      if ".".join(parts[:n]) in known), "")
        message = p.message.removeprefix("Value error, ")
        if not where:
            message = f"{p.field}: {message}" if p.field else message
            if message in head:
                continue
        out.setdefault(where, []).append(message)
    return out


STAND_INS = {"id": "-", "name": "-", "effective": "2000-01-01"}


def salvage(body: Mapping[str, Any], problems: Iterable[Problem]) -> tuple[dict[str, Any], set[str]]:
    """The body less what could not be read, so that the program's own rules (section 2)
    can be checked too and every problem shown at once. Returns it with the sections from
    which a whole row had to be dropped (their "needs at least one" is then no news)."""
    out = copy.deepcopy(dict(body))
    dropped_rows: set[tuple[str, int]] = set()
    for p in problems:
        parts = p.field.split(".")
        if parts[0] in LIST_SECTIONS and len(parts) > 1 and parts[1].isdigit():
            dropped_rows.add((parts[0], int(parts[1])))
        elif parts[0] in STAND_INS:
            out[parts[0]] = STAND_INS[parts[0]]  # required: a stand-in lets the rest be judged
            dropped_rows.add(("expires" if parts[0] == "effective" else parts[0], -1))
        elif parts[0] in out:
            out.pop(parts[0])
    for section, index in sorted(dropped_rows, reverse=True):
        rows = out.get(section) or []
        if 0 <= index < len(rows):
            rows.pop(index)
    return out, {section for section, _ in dropped_rows}


def typed_of(form: Mapping[str, Any], fields: Iterable[str],
             checkboxes: Iterable[str] = ()) -> dict[str, Any]:
    """What was typed in a form of plain fields, kept as typed to show it again beside its
    problems (a checkbox as ticked or not)."""
    ticks = set(checkboxes)
    return {f: (form.get(f) == "on") if f in ticks else str(form.get(f) or "") for f in fields}


def refused_form(request: Any, err: PatronageError, fields: Iterable[str],
                 rename: Callable[[str], str] | None = None) -> dict[str, list[str]]:
    """`errors_of` for a refused form shown again, noting the refusal for the audit as a
    flash message would have been (`deps.ConsoleRoute` records `request.state.refusal`)."""
    request.state.refusal = f"error: {err.code}: {err.message}"
    return errors_of(err, fields, rename)
