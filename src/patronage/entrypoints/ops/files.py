"""The four import files: CSV with a header row, read into documents for `service/bulk.py`.

Only the file's shape is judged here (columns, dates, numbers the grouping needs, an
invoice's rows agreeing on its header fields); every rule about values is the service's,
which refuses a bad document with the same codes as the online path. Line numbers count
the header as line 1.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from patronage.core.errors import PatronageError, Problem
from patronage.service.documents import Doc, RowError

INVOICE_COLUMNS = ("invoice_id", "date", "store", "customer", "type", "job_type", "sku",
                   "item_type", "product_line", "sub_department", "vendor", "manufacturer",
                   "qty", "price", "discount", "tax")
INVOICE_HEADER = ("invoice_id", "date", "store", "customer", "type", "job_type")
LINE_FIELDS = ("sku", "item_type", "product_line", "sub_department", "vendor", "manufacturer",
               "qty", "price", "discount")
PAYMENT_COLUMNS = ("payment_id", "invoice_id", "date", "store", "tender", "amount")
CUSTOMER_COLUMNS = ("id", "name", "email", "type", "status", "program", "enrolled_on", "card")
ADJUSTMENT_COLUMNS = ("customer", "points", "set_balance", "expires", "reason", "user",
                      "allow_negative", "id")
REQUIRED = {
    "invoices": ("invoice_id", "date", "store", "sku", "qty", "price"),
    "payments": ("payment_id", "invoice_id", "date", "store", "tender", "amount"),
    "customers": ("id",),
    "adjustments": ("customer",),
}


class BadRow(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(f"{column}: {message}")


def rows(path: Path, kind: str, known: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for each non-blank row; blank cells are left out."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in REQUIRED[kind] if c not in header]
        unknown = [c for c in header if c and c not in known]
        if missing or unknown:
            problems = [Problem(c, "missing column") for c in missing]
            problems += [Problem(c, "unknown column") for c in unknown]
            raise PatronageError("invalid", f"{path}: the header needs {', '.join(REQUIRED[kind])}"
                                 + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
                                 problems)
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            yield reader.line_num, {h: v.strip() for h, v in zip(header, record, strict=False)
                                    if h and v.strip()}


def day(row: dict[str, str], column: str, required: bool = False) -> dt.date | None:
    text = row.get(column)
    if text is None:
        if required:
            raise BadRow(column, "required")
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadRow(column, f"not a date (YYYY-MM-DD): {text!r}") from None


def integer(row: dict[str, str], column: str) -> int | None:
    text = row.get(column)
    try:
        return None if text is None else int(text)
    except ValueError:
        raise BadRow(column, f"not a whole number: {text!r}") from None


def flag(row: dict[str, str], column: str) -> bool:
    return row.get(column, "").lower() in ("1", "true", "yes", "y")


def _bad(kind: str, line: int, rows_: int, err: BadRow) -> Doc:
    return Doc(kind, line, rows_, None, None, RowError(line, "invalid", str(err)))


def read_invoices(path: Path) -> Iterator[Doc]:
    """Consecutive rows with the same invoice_id and store are one invoice; its tax is the
    sum of the rows' tax."""
    group: list[tuple[int, dict[str, str]]] = []
    for line_no, row in rows(path, "invoices", INVOICE_COLUMNS):
        if group and (row.get("invoice_id"), row.get("store")) != (
                group[0][1].get("invoice_id"), group[0][1].get("store")):
            yield _invoice(group)
            group = []
        group.append((line_no, row))
    if group:
        yield _invoice(group)


def _invoice(group: list[tuple[int, dict[str, str]]]) -> Doc:
    first_line, first = group[0]
    try:
        for line_no, row in group[1:]:
            for column in INVOICE_HEADER:
                if row.get(column) != first.get(column):
                    raise BadRow(column, f"line {line_no} disagrees with line {first_line} "
                                         "of the same invoice")
        date = day(first, "date", required=True)
        store = integer(first, "store")
        tax = Decimal(0)
        for line_no, row in group:
            try:
                tax += Decimal(row.get("tax", "0"))
            except InvalidOperation:
                raise BadRow("tax", f"not a number on line {line_no}: {row['tax']!r}") from None
    except BadRow as err:
        return _bad("invoice", first_line, len(group), err)
    body: dict[str, Any] = {
        "id": first["invoice_id"], "store": store, "date": date, "tax": str(tax),
        "customer": first.get("customer"), "type": first.get("type", "sale"),
        "job_type": first.get("job_type"),
        "lines": [{k: row[k] for k in LINE_FIELDS if k in row} for _, row in group],
    }
    return Doc("invoice", first_line, len(group), date, body, customer=first.get("customer"),
               invoice=first["invoice_id"])


def read_payments(path: Path) -> Iterator[Doc]:
    for line_no, row in rows(path, "payments", PAYMENT_COLUMNS):
        try:
            date, store = day(row, "date", required=True), integer(row, "store")
        except BadRow as err:
            yield _bad("payment", line_no, 1, err)
            continue
        body = {"id": row["payment_id"], "invoice": row["invoice_id"], "store": store,
                "date": date, "tender": row["tender"], "amount": row["amount"]}
        yield Doc("payment", line_no, 1, date, body, invoice=row["invoice_id"],
                  payment=(store, row["payment_id"]) if store is not None else None)


def read_customers(path: Path) -> Iterator[Doc]:
    for line_no, row in rows(path, "customers", CUSTOMER_COLUMNS):
        try:
            enrolled_on = day(row, "enrolled_on")
        except BadRow as err:
            yield _bad("customer", line_no, 1, err)
            continue
        body: dict[str, Any] = {k: row[k] for k in ("id", "name", "email", "type", "status",
                                                     "program", "card") if k in row}
        if enrolled_on is not None:
            body["enrolled_on"] = enrolled_on
        yield Doc("customer", line_no, 1, enrolled_on, body, customer=row["id"],
                  card=row.get("card"))


def read_adjustments(path: Path) -> Iterator[Doc]:
    for line_no, row in rows(path, "adjustments", ADJUSTMENT_COLUMNS + ("date",)):
        try:
            body: dict[str, Any] = {"customer": row["customer"], "points": integer(row, "points"),
                                    "set_balance": integer(row, "set_balance"),
                                    "expires": day(row, "expires"), "date": day(row, "date"),
                                    "allow_negative": flag(row, "allow_negative")}
        except BadRow as err:
            yield _bad("adjustment", line_no, 1, err)
            continue
        body.update({k: row[k] for k in ("reason", "user", "id") if k in row})
        body = {k: v for k, v in body.items() if v is not None}
        yield Doc("adjustment", line_no, 1, body.get("date"), body, customer=row["customer"])


def in_date_order(path: Path, kind: str) -> int | None:
    """A quick first pass: the number of rows when the file's documents are already in
    date order (so the import can stream it), None when they are not (it sorts them in
    memory) or when the kind has no order to keep."""
    if kind not in ("customers", "invoices", "payments"):
        return None
    count, last, current = 0, "", None
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        if kind != "customers" and "date" not in header:
            return None
        at = header.index("date") if kind != "customers" else 0
        key = [header.index(c) for c in ("invoice_id", "store") if c in header] \
            if kind == "invoices" else []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            count += 1
            if kind == "customers":
                continue
            group = tuple(record[i].strip() for i in key if i < len(record))
            if key and group == current:
                continue  # the rows of one invoice share its date (or it is refused)
            current = group
            day = record[at].strip() if at < len(record) else ""
            if len(day) == 10 and day < last:  # ISO dates order as text
                return None
            last = max(last, day) if len(day) == 10 else last
    return count


READERS: dict[str, Callable[[Path], Iterator[Doc]]] = {
    "customers": read_customers,
    "invoices": read_invoices,
    "payments": read_payments,
    "adjustments": read_adjustments,
}
