"""The four import files: CSV with a header row, read into documents for `service/bulk.py`.

Only the file's shape is judged here (columns, dates, numbers the grouping needs, an
invoice's rows agreeing on its header fields); every rule about values is the service's,
which refuses a bad document with the same codes as the online path. Line numbers count
the header as line 1. A row that cannot be read whole (bytes that are not UTF-8, a cell
longer than `CELL_LIMIT`, more cells than the header, a required cell left blank) is
refused by its line with `invalid`, and the rest of the file is still read: every bad line
is reported in one pass.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from patronage.core.customers import CONTACT_FIELDS
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


CELL_LIMIT = 10_000  # characters in one cell: far above any field's own limit
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # an undecodable byte, as surrogateescape keeps it


class BadRow(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(f"{column}: {message}" if column else message)

    @classmethod
    def whole(cls, fault: str) -> BadRow:
        """What `rows` found wrong with a row (its message names the column)."""
        return cls("", fault)


def _open(path: Path) -> TextIO:
    """The file as text; a byte that is not UTF-8 is kept (surrogateescape) so that its
    row, not the whole file, is refused, with its line."""
    try:
        return path.open(newline="", encoding="utf-8-sig", errors="surrogateescape")
    except OSError as err:
        raise PatronageError("invalid", f"{path}: cannot read the file: "
                             f"{err.strerror or err}") from None


def _unreadable(err: csv.Error) -> str:
    """What a record the csv module cannot read is refused with (it goes on after it)."""
    if "field larger" in str(err):
        return f"a cell is longer than {CELL_LIMIT:,} characters"
    return f"not CSV: {err}"


def _header(reader: Any, path: Path) -> list[str]:
    try:
        first: list[str] = next(reader, [])
    except csv.Error as err:
        raise PatronageError("invalid", f"{path}:1: the header is not readable: "
                             f"{_unreadable(err)}") from None
    if _NOT_UTF8.search("".join(first)):
        raise PatronageError("invalid", f"{path}:1: the header is not UTF-8 text")
    return [h.strip() for h in first]


def _fault(record: list[str], header: list[str], row: dict[str, str],
           required: tuple[str, ...]) -> str | None:
    """What makes a row unreadable, or None."""
    text = "".join(record)
    if _NOT_UTF8.search(text):
        for column, cell in zip([*header, *["?"] * len(record)], record, strict=False):
            if bad := _NOT_UTF8.search(cell):
                return (f"{column or '?'}: byte 0x{ord(bad.group()) - 0xDC00:02X} is not "
                        "UTF-8 text (save the file as UTF-8)")
    if len(text) > CELL_LIMIT:
        for column, cell in zip([*header, *["?"] * len(record)], record, strict=False):
            if len(cell) > CELL_LIMIT:
                return f"{column or '?'}: {len(cell):,} characters, at most {CELL_LIMIT:,}"
    if len(record) > len(header) and any(c.strip() for c in record[len(header):]):
        return f"{len(record)} cells where the header has {len(header)}"
    for column in required:
        if column not in row:
            return f"{column}: required"
    return None


def rows(path: Path, kind: str, known: tuple[str, ...]
         ) -> Iterator[tuple[int, dict[str, str], str | None]]:
    """(line number, {column: text}, what is wrong or None) for each non-blank row; blank
    cells are left out. A bad row still gives the cells that could be read."""
    with _open(path) as fh:
        reader = csv.reader(fh)
        header = _header(reader, path)
        if not any(header):
            raise PatronageError("invalid", f"{path}: the file is empty (its first line "
                                 f"names the columns: {', '.join(known)})")
        missing = [c for c in REQUIRED[kind] if c not in header]
        unknown = [c for c in header if c and c not in known]
        twice = sorted({c for c in header if c and header.count(c) > 1})
        if missing or unknown or twice:
            problems = [Problem(c, "missing column") for c in missing]
            problems += [Problem(c, "unknown column") for c in unknown]
            problems += [Problem(c, "column written twice") for c in twice]
            parts = [f"it needs {', '.join(REQUIRED[kind])}" if missing else "",
                     f"unknown: {', '.join(unknown)}" if unknown else "",
                     f"written twice: {', '.join(twice)}" if twice else ""]
            raise PatronageError("invalid", f"{path}:1: bad header: "
                                 + "; ".join(p for p in parts if p), problems)
        required, width = REQUIRED[kind], len(header)
        need = frozenset(required)
        while True:
            try:
                for record in reader:
                    row = {h: v.strip() for h, v in zip(header, record, strict=False)
                           if h and v.strip()}
                    if not row and not any(cell.strip() for cell in record):
                        continue
                    text = "".join(record)  # a good row costs these four cheap tests
                    if text.isascii() and len(text) <= CELL_LIMIT and len(record) <= width \
                            and need <= row.keys():
                        yield reader.line_num, row, None
                    else:
                        yield reader.line_num, row, _fault(record, header, row, required)
                return
            except csv.Error as err:  # the reader goes on with the next record
                yield reader.line_num, {}, _unreadable(err)


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


def _bad(kind: str, line: int, rows_: int, err: BadRow | str, at: int | None = None) -> Doc:
    """A document refused while reading; `at` is the faulty line when not its first."""
    return Doc(kind, line, rows_, None, None, RowError(at or line, "invalid", str(err)))


Row = tuple[int, dict[str, str], str | None]


def read_invoices(path: Path) -> Iterator[Doc]:
    """Consecutive rows with the same invoice_id and store are one invoice; its tax is the
    sum of the rows' tax. A row missing either joins the invoice before it (which is then
    refused whole), so a lost id never splits an invoice in two."""
    group: list[Row] = []
    key: tuple[str | None, str | None] = (None, None)
    for line_no, row, fault in rows(path, "invoices", INVOICE_COLUMNS):
        this = (row.get("invoice_id"), row.get("store"))
        if group and this != key and _another(this, key):
            yield _invoice(group)
            group = []
        if not group:
            key = this
        group.append((line_no, row, fault))
    if group:
        yield _invoice(group)


def _another(this: tuple[str | None, ...], key: tuple[str | None, ...]) -> bool:
    """Whether a row of (invoice_id, store) `this` starts another invoice than `key`."""
    return any(mine is not None and mine != theirs for mine, theirs in zip(this, key))


def _invoice(group: list[Row]) -> Doc:
    first_line, first, _ = group[0]
    faults = [(line_no, fault) for line_no, _, fault in group if fault is not None]
    if faults:  # refused at its first bad row, naming every other one
        return _bad("invoice", first_line, len(group), faults[0][1] + "".join(
            f"; line {line_no}: {fault}" for line_no, fault in faults[1:]), faults[0][0])
    try:
        for line_no, row, _ in group[1:]:
            for column in INVOICE_HEADER:
                if row.get(column) != first.get(column):
                    raise BadRow(column, f"line {line_no} disagrees with line {first_line} "
                                         "of the same invoice")
        date = day(first, "date", required=True)
        store = integer(first, "store")
        tax = Decimal(0)
        for line_no, row, _ in group:
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
        "lines": [{k: row[k] for k in LINE_FIELDS if k in row} for _, row, _ in group],
    }
    return Doc("invoice", first_line, len(group), date, body, customer=first.get("customer"),
               invoice=first["invoice_id"])


def read_payments(path: Path) -> Iterator[Doc]:
    for line_no, row, fault in rows(path, "payments", PAYMENT_COLUMNS):
        try:
            if fault is not None:
                raise BadRow.whole(fault)
            date, store = day(row, "date", required=True), integer(row, "store")
        except BadRow as err:
            yield _bad("payment", line_no, 1, err)
            continue
        body = {"id": row["payment_id"], "invoice": row["invoice_id"], "store": store,
                "date": date, "tender": row["tender"], "amount": row["amount"]}
        yield Doc("payment", line_no, 1, date, body, invoice=row["invoice_id"],
                  payment=(store, row["payment_id"]) if store is not None else None)


def read_customers(path: Path) -> Iterator[Doc]:
    # the postal address and phone (core/customers.py) are optional columns, in any place
    for line_no, row, fault in rows(path, "customers", CUSTOMER_COLUMNS + CONTACT_FIELDS):
        try:
            if fault is not None:
                raise BadRow.whole(fault)
            enrolled_on = day(row, "enrolled_on")
        except BadRow as err:
            yield _bad("customer", line_no, 1, err)
            continue
        body: dict[str, Any] = {k: row[k] for k in ("id", "name", "email", "type", "status",
                                                     "program", "card", *CONTACT_FIELDS)
                                if k in row}
        if enrolled_on is not None:
            body["enrolled_on"] = enrolled_on
        yield Doc("customer", line_no, 1, enrolled_on, body, customer=row["id"],
                  card=row.get("card"))


def read_adjustments(path: Path) -> Iterator[Doc]:
    """Adjustments; a row without an id gets one derived from the file (see `derived_id`),
    so importing the file again applies it once."""
    seen: Counter[str] = Counter()
    for line_no, row, fault in rows(path, "adjustments", ADJUSTMENT_COLUMNS + ("date",)):
        try:
            if fault is not None:
                raise BadRow.whole(fault)
            body: dict[str, Any] = {"customer": row["customer"], "points": integer(row, "points"),
                                    "set_balance": integer(row, "set_balance"),
                                    "expires": day(row, "expires"), "date": day(row, "date"),
                                    "allow_negative": flag(row, "allow_negative")}
        except BadRow as err:
            yield _bad("adjustment", line_no, 1, err)
            continue
        body.update({k: row[k] for k in ("reason", "user", "id") if k in row})
        body = {k: v for k, v in body.items() if v is not None}
        if "id" not in body:
            body["id"] = derived_id(path, body, seen)
        yield Doc("adjustment", line_no, 1, body.get("date"), body, customer=row["customer"])


REQUEST = ("customer", "points", "set_balance", "expires", "reason", "date")  # what C5 compares


def derived_id(path: Path, body: dict[str, Any], seen: Counter[str]) -> str:
    """The id of an adjustment row written without one: the file's name, a digest of what
    the row asks (`REQUEST`: not who runs it, nor allow_negative) and how many rows of the
    file asked the same before it. So it stays the same when the file is moved, when other
    lines are fixed, added or removed, and when the file is run again on another day
    (docs/decisions.md, "Bulk files")."""
    asked = json.dumps([str(body.get(k, "")) for k in REQUEST])
    seen[asked] += 1
    name = path.name.encode("utf-8", "backslashreplace").decode("utf-8")
    digest = hashlib.sha256(json.dumps([name, asked, seen[asked]]).encode()).hexdigest()
    return f"{name[:40]}:{digest[:24]}"


def in_date_order(path: Path, kind: str) -> int | None:
    """A quick first pass: the number of rows when the file's documents are already in
    date order (so the import can stream it), None when they are not (it sorts them in
    memory) or when the kind has no order to keep."""
    if kind not in ("customers", "invoices", "payments"):
        return None
    count, last, current = 0, "", None
    with _open(path) as fh:
        reader = csv.reader(fh)
        header = _header(reader, path)
        if kind != "customers" and "date" not in header:
            return None
        at = header.index("date") if kind != "customers" else 0
        key = [header.index(c) for c in ("invoice_id", "store") if c in header] \
            if kind == "invoices" else []
        for record in _tolerant(reader):
            if record is None:  # unreadable: a row of its own, refused
                count += 1
                continue
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


def _tolerant(reader: Any) -> Iterator[list[str] | None]:
    """The reader's records, None for one it cannot read."""
    while True:
        try:
            yield from reader
            return
        except csv.Error:
            yield None


READERS: dict[str, Callable[[Path], Iterator[Doc]]] = {
    "customers": read_customers,
    "invoices": read_invoices,
    "payments": read_payments,
    "adjustments": read_adjustments,
}
