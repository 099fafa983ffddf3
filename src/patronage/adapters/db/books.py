"""The books: lots, ledger entries, POS documents, credit memos, coupons, journal, outbox.

Append-only history plus the caches (lot remaining, enrollment debt, totals by kind, memo
remaining) that are updated in the same statement batch as the entries they sum.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.engine import Connection, RowMapping

from patronage.adapters.db import tables as t
from patronage.adapters.db.engine import LOOKUP
from patronage.adapters.db.run_parts import CustomerRange, in_range
from patronage.core.entries import EntryKind
from patronage.core.journal import Posting
from patronage.core.lots import LotState
from patronage.core.money import from_cents

LIVE = t.lots.c.remaining > literal_column("0")  # literal, so the partial indexes apply


def cast_row(values: dict[str, Any]) -> RowMapping:
    """A row kept as a plain mapping, read as rows are (by column name)."""
    return values  # type: ignore[return-value]


def new_id(result: Any) -> int:
    """The primary key an INSERT of one row made."""
    key = result.inserted_primary_key
    if key is None:
        raise LookupError("the insert gave no primary key")
    return int(key[0])


@cache
def totals_upsert(dialect: str) -> Any:
    """Add to an enrollment's total for a kind: INSERT ... ON CONFLICT DO UPDATE, executed
    with {enrollment_id, kind, points, last_on}; one statement for one entry or many."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect_insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    tot = t.enrollment_totals
    stmt = dialect_insert(tot)
    return stmt.on_conflict_do_update(
        index_elements=[tot.c.enrollment_id, tot.c.kind],
        set_={"points": tot.c.points + stmt.excluded.points,
              "last_on": case((stmt.excluded.last_on > tot.c.last_on, stmt.excluded.last_on),
                              else_=tot.c.last_on)},
    )


# The statements every post runs, built once: a statement built anew at each call costs
# SQLAlchemy its cache key before it finds the compiled form (issue 20's profile of a post).
# Executed with a dict of values (an executemany with a list).
INSERT_INVOICE = insert(t.invoices).returning(*t.invoices.c)
UPDATE_INVOICE = update(t.invoices).where(t.invoices.c.id == bindparam("invoice_pk")) \
    .returning(*t.invoices.c)
FIND_INVOICE = select(t.invoices).where(t.invoices.c.external_id == bindparam("external_id"))
INSERT_LINES = insert(t.invoice_lines)
INSERT_LOT = insert(t.lots)
INSERT_ENTRY = insert(t.ledger)
HOLD_RETURNING = update(t.enrollments) \
    .where(t.enrollments.c.id == bindparam("enrollment")) \
    .values(held=t.enrollments.c.held + bindparam("points", type_=BigInteger)) \
    .returning(t.enrollments.c.held, t.enrollments.c.debt)
INSERT_JOURNAL_ENTRY = insert(t.journal_entries)
INSERT_POSTINGS = insert(t.journal_postings)
INSERT_EVENT = insert(t.events)


ENTRY_REFS = frozenset({"ref", "user", "reason"})  # what `open_lot`'s entry may carry


@cache
def _open_lot_at_once() -> Any:
    """`Books.open_lot` on PostgreSQL in one statement, data-modifying CTEs in one snapshot:
    the lot with its points, its entry, the kind's total, the enrollment's `held` (returned
    with its debt) and, with `link_invoice`, the invoice's `lot_id`. Foreign keys are checked
    at the statement's end, when the lot the entry names exists."""
    from sqlalchemy.dialects import postgresql

    lots, ledger, tot, e, inv = t.lots, t.ledger, t.enrollment_totals, t.enrollments, t.invoices

    def value(name: str, column: Any) -> Any:  # named apart from every column: an UPDATE
        return bindparam(f"v_{name}", type_=column.type)  # takes a column's name as a SET

    lot = insert(lots).values(
        enrollment_id=value("enrollment_id", lots.c.enrollment_id),
        customer_id=value("customer_id", lots.c.customer_id), source=value("kind", lots.c.source),
        invoice_id=value("invoice_id", lots.c.invoice_id),
        accrual_date=value("day", lots.c.accrual_date),
        available_on=value("available_on", lots.c.available_on),
        expires_on=value("expires_on", lots.c.expires_on), points=value("points", lots.c.points),
        remaining=value("points", lots.c.remaining)).returning(lots.c.id).cte("new_lot")
    columns = ["enrollment_id", "customer_id", "date", "kind", "points", "lot_id", "invoice_id",
               "ref", "user", "reason", "recorded_at"]
    entry = insert(ledger).from_select(columns, select(
        value("enrollment_id", ledger.c.enrollment_id), value("customer_id", ledger.c.customer_id),
        value("day", ledger.c.date), value("kind", ledger.c.kind), value("points", ledger.c.points),
        lot.c.id, value("invoice_id", ledger.c.invoice_id), value("ref", ledger.c.ref),
        value("user", ledger.c.user), value("reason", ledger.c.reason),
        value("at", ledger.c.recorded_at))).cte("new_entry")
    upsert = postgresql.insert(tot).values(
        enrollment_id=value("enrollment_id", tot.c.enrollment_id), kind=value("kind", tot.c.kind),
        points=value("points", tot.c.points), last_on=value("day", tot.c.last_on))
    total = upsert.on_conflict_do_update(
        index_elements=[tot.c.enrollment_id, tot.c.kind],
        set_={"points": tot.c.points + upsert.excluded.points,
              "last_on": case((upsert.excluded.last_on > tot.c.last_on, upsert.excluded.last_on),
                              else_=tot.c.last_on)}).cte("new_total")
    moved = update(e).where(e.c.id == value("enrollment_id", e.c.id)) \
        .values(held=e.c.held + value("points", e.c.held)) \
        .returning(e.c.held, e.c.debt).cte("moved")
    linked = update(inv).where(inv.c.id == value("link_invoice", inv.c.id)) \
        .values(lot_id=select(lot.c.id).scalar_subquery()).cte("linked")
    return select(lot.c.id, moved.c.held, moved.c.debt) \
        .select_from(lot.outerjoin(moved, literal_column("true"))) \
        .add_cte(entry, total, linked)


@cache
def _journal_at_once(postings: int) -> Any:
    """`Books.journal` on PostgreSQL in one statement: the entry (a data-modifying CTE)
    and its `postings` postings, which name it."""
    je, jp = t.journal_entries, t.journal_postings
    entry = insert(je).values(
        date=bindparam("date", type_=je.c.date.type), kind=bindparam("kind", type_=je.c.kind.type),
        memo=bindparam("memo", type_=je.c.memo.type),
        reference=bindparam("reference", type_=je.c.reference.type),
        customer_id=bindparam("customer_id", type_=je.c.customer_id.type),
    ).returning(je.c.id).cte("new_journal_entry")
    rows = [select(entry.c.id, bindparam(f"account_{n}", type_=jp.c.account.type),
                   bindparam(f"debit_{n}", type_=jp.c.debit.type),
                   bindparam(f"credit_{n}", type_=jp.c.credit.type)) for n in range(postings)]
    return insert(jp).add_cte(entry).from_select(
        ["entry_id", "account", "debit", "credit"], union_all(*rows) if postings > 1 else rows[0])


LINES_AT_ONCE = 20


@cache
def _lines_at_once(count: int, columns: tuple[str, ...]) -> Any:
    """`count` invoice lines in one multi-row INSERT, values named `<column>_<n>`."""
    il = t.invoice_lines
    return insert(il).values([{c: bindparam(f"{c}_{n}", type_=il.c[c].type) for c in columns}
                              for n in range(count)])


@cache
def _balance_figures() -> Any:
    """`Books.balance_figures`' statement: ('d', debt), ('t', kind, points, last entry day)
    for each total, ('l', expires_on, points pending on :day, all points) for each expiry
    day of the live lots; one UNION ALL, columns typed alike in each part."""
    e, tot, lots = t.enrollments, t.enrollment_totals, t.lots
    enrollment, day = bindparam("enrollment", type_=BigInteger), bindparam("day", type_=Date)
    nothing, no_kind, no_points = cast(null(), Date), cast(null(), String), cast(null(), BigInteger)
    pending = case((lots.c.available_on > day, lots.c.remaining), else_=literal_column("0"))
    debt: Any = select(literal_column("'d'").label("tag"), no_kind.label("kind"),
                  nothing.label("day"), cast(e.c.debt, BigInteger).label("a"),
                  no_points.label("b")).where(e.c.id == enrollment)
    totals: Any = select(literal_column("'t'"), tot.c.kind, tot.c.last_on,
                    cast(tot.c.points, BigInteger), no_points) \
        .where(tot.c.enrollment_id == enrollment)
    live: Any = select(literal_column("'l'"), no_kind, lots.c.expires_on,
                  cast(func.sum(pending), BigInteger), cast(func.sum(lots.c.remaining), BigInteger)) \
        .where(and_(lots.c.enrollment_id == enrollment, LIVE)).group_by(lots.c.expires_on)
    return union_all(debt, totals, live)


def _figures(rows: Any) -> tuple[
        int, list[tuple[str, int, dt.date]], list[tuple[dt.date | None, int, int]]]:
    debt = 0
    totals: list[tuple[str, int, dt.date]] = []
    live: list[tuple[dt.date | None, int, int]] = []
    for tag, kind, day, a, b in rows:
        if tag == "d":
            debt = int(a or 0)
        elif tag == "t":
            totals.append((kind, int(a), day))
        else:
            live.append((day, int(a or 0), int(b or 0)))
    return debt, totals, live


class Books:
    conn: Connection
    _memo: dict[Any, Any]  # the unit of work's remembered reads (`Repository.customer`)

    def _enrollment_moved(self, enrollment_id: int, moved: Any) -> None:
        """A remembered open enrollment takes the `held` and `debt` its row's UPDATE
        returned: the values in the database, which the daily run (it does not take the
        customer's lock) may have moved since the customer was read."""
        if moved is None:
            return
        for rows in self._memo.get("open", {}).values():
            for row in rows:
                if row["id"] == enrollment_id:
                    row["held"], row["debt"] = moved[0], moved[1]

    def one(self, stmt: Any) -> RowMapping | None:
        return self.conn.execute(stmt).mappings().first()

    def all(self, stmt: Any) -> list[RowMapping]:
        return list(self.conn.execute(stmt).mappings())

    # --- lots and ledger --------------------------------------------------------------------
    def lots(self, enrollment_id: int, positive_only: bool = True) -> list[LotState]:
        stmt = select(t.lots).where(t.lots.c.enrollment_id == enrollment_id)
        if positive_only:
            stmt = stmt.where(LIVE)
        return [
            LotState(r["id"], r["accrual_date"], r["available_on"], r["expires_on"], r["remaining"])
            for r in self.all(stmt.order_by(t.lots.c.id))
        ]

    def live_points(self, enrollment_id: int,
                    day: dt.date) -> list[tuple[dt.date | None, int, int]]:
        """The live lots' remaining points summed per expiry day, as
        [(expires_on, points still pending on `day`, all points)]: one aggregate, so a
        balance costs the same with 3,000 lots as with one (the caller applies L1's expiry)."""
        lots = t.lots
        pending = case((lots.c.available_on > day, lots.c.remaining), else_=literal_column("0"))
        rows = self.conn.execute(
            select(lots.c.expires_on, func.sum(pending), func.sum(lots.c.remaining))
            .where(and_(lots.c.enrollment_id == enrollment_id, LIVE))
            .group_by(lots.c.expires_on)
        ).all()
        return [(expires_on, int(early or 0), int(total or 0)) for expires_on, early, total in rows]

    def available_points(self, enrollment_id: int, day: dt.date) -> int:
        """The live lots' points available on `day` (L1), summed by the database."""
        return sum(points - pending for expires_on, pending, points in
                   self.live_points(enrollment_id, day)
                   if expires_on is None or day < expires_on)

    def lot(self, lot_id: int) -> RowMapping | None:
        return self.one(select(t.lots).where(t.lots.c.id == lot_id))

    def insert_lot(self, enrollment: RowMapping, source: str, invoice_id: int | None,
                   accrual: dt.date, available_on: dt.date, expires_on: dt.date | None) -> int:
        result = self.conn.execute(insert(t.lots).values(
            enrollment_id=enrollment["id"], customer_id=enrollment["customer_id"], source=source,
            invoice_id=invoice_id, accrual_date=accrual, available_on=available_on,
            expires_on=expires_on, points=0, remaining=0,
        ))
        return new_id(result)

    def open_lot(self, enrollment: Mapping[Any, Any], kind: str, invoice_id: int | None,
                 day: dt.date, available_on: dt.date, expires_on: dt.date | None, points: int,
                 at: dt.datetime, *, link_invoice: bool = False,
                 **refs: Any) -> tuple[int, int]:
        """A new lot holding `points` and the entry that put them there (A6, J3): the lot
        is written with its points, not written empty and then added to. Returns the lot's
        id and the enrollment's debt (L5: whether the new points pay some of it).
        `link_invoice`: the lot is the invoice's own (`invoices.lot_id`). One statement on
        PostgreSQL (`_open_lot_at_once`), five on SQLite, which has no writing CTEs."""
        if self.conn.dialect.name == "postgresql" and refs.keys() <= ENTRY_REFS:
            values = {
                "enrollment_id": enrollment["id"], "customer_id": enrollment["customer_id"],
                "kind": kind, "invoice_id": invoice_id, "day": day,
                "available_on": available_on, "expires_on": expires_on, "points": points,
                "at": at, "ref": refs.get("ref"), "user": refs.get("user"),
                "reason": refs.get("reason"),
                "link_invoice": invoice_id if link_invoice else None}
            done = self.conn.execute(_open_lot_at_once(),
                                     {f"v_{k}": v for k, v in values.items()}).one()
            lot_id = int(done[0])
            self._enrollment_moved(enrollment["id"], done[1:])
            if link_invoice and invoice_id is not None:
                self._linked_invoice(invoice_id, lot_id)
            return lot_id, int(done[2] or 0)
        result = self.conn.execute(INSERT_LOT, {
            "enrollment_id": enrollment["id"], "customer_id": enrollment["customer_id"],
            "source": kind, "invoice_id": invoice_id, "accrual_date": day,
            "available_on": available_on, "expires_on": expires_on, "points": points,
            "remaining": points})
        lot_id = new_id(result)
        self.conn.execute(INSERT_ENTRY, {
            "enrollment_id": enrollment["id"], "customer_id": enrollment["customer_id"],
            "date": day, "kind": kind, "points": points, "lot_id": lot_id, "recorded_at": at,
            "invoice_id": invoice_id, **refs})
        self.conn.execute(totals_upsert(self.conn.dialect.name), {
            "enrollment_id": enrollment["id"], "kind": kind, "points": points, "last_on": day})
        moved = self.conn.execute(HOLD_RETURNING, {
            "enrollment": enrollment["id"], "points": points}).first()
        self._enrollment_moved(enrollment["id"], moved)
        if link_invoice and invoice_id is not None:
            self.update_invoice(invoice_id, lot_id=lot_id)
        return lot_id, int(moved[1] or 0) if moved is not None else 0

    def debt_and_totals(self, enrollment_id: int) -> tuple[int, list[tuple[str, int, dt.date]]]:
        """The enrollment's debt and its cached totals by kind [(kind, points, last entry
        date)] in one statement (a balance's figures come from these and the lots)."""
        e, tot = t.enrollments, t.enrollment_totals
        rows = self.conn.execute(
            select(e.c.debt, tot.c.kind, tot.c.points, tot.c.last_on)
            .select_from(e.outerjoin(tot, tot.c.enrollment_id == e.c.id))
            .where(e.c.id == enrollment_id)
        ).all()
        debt = int(rows[0][0] or 0) if rows else 0
        return debt, [(kind, int(points), last_on) for _, kind, points, last_on in rows
                      if kind is not None]

    def balance_figures(self, enrollment_id: int, day: dt.date) -> tuple[
            int, list[tuple[str, int, dt.date]], list[tuple[dt.date | None, int, int]]]:
        """`debt_and_totals` and `live_points` in one statement (a balance's figures): the
        totals' rows and the live lots' sums per expiry day, told apart by a tag."""
        key = (enrollment_id, day)
        # A lookup never writes (adapters/db/engine.py), so the figures it read stay its
        # answer: a quote reads them for its redemption limits and again for its balance.
        figures = self._memo.setdefault("figures", {}) if self._lookup() else {}
        if key not in figures:
            figures[key] = _figures(self.conn.execute(_balance_figures(), {
                "enrollment": enrollment_id, "day": day}).all())
        return figures[key]  # type: ignore[no-any-return]

    def _lookup(self) -> bool:
        return bool(self.conn.get_execution_options().get(LOOKUP))

    def spendable_points(self, enrollment_id: int, day: dt.date) -> int:
        """The live lots' points available on `day` (L1) plus the debt (L5), in one
        statement (`balance_figures`)."""
        debt, _, live = self.balance_figures(enrollment_id, day)
        return debt + sum(points - pending for expires_on, pending, points in live
                          if expires_on is None or day < expires_on)

    def totals_from_entries(self, enrollment_id: int, as_of: dt.date) -> dict[str, int]:
        """The sums by kind of the entries dated on or before `as_of` (the cache holds
        later ones)."""
        rows = self.conn.execute(
            select(t.ledger.c.kind, func.sum(t.ledger.c.points))
            .where(and_(t.ledger.c.enrollment_id == enrollment_id, t.ledger.c.date <= as_of))
            .group_by(t.ledger.c.kind)
        )
        return {kind: int(total or 0) for kind, total in rows}

    def entry(self, enrollment: Mapping[Any, Any], day: dt.date, kind: str, points: int,
              lot_id: int | None, at: dt.datetime, **refs: Any) -> None:
        """Append one ledger entry and move the cache it belongs to (lot or debt)."""
        if points == 0:
            return
        self.conn.execute(insert(t.ledger).values(
            enrollment_id=enrollment["id"], customer_id=enrollment["customer_id"], date=day,
            kind=kind, points=points, lot_id=lot_id, recorded_at=at, **refs,
        ))
        self.conn.execute(totals_upsert(self.conn.dialect.name), {
            "enrollment_id": enrollment["id"], "kind": kind, "points": points, "last_on": day})
        e = t.enrollments
        moved_by: dict[str, Any] = {"held": e.c.held + points}
        if lot_id is None:  # L5: an entry with no lot moves the debt
            moved_by["debt"] = e.c.debt + points
        moved = self.conn.execute(update(e).where(e.c.id == enrollment["id"]).values(**moved_by)
                                  .returning(e.c.held, e.c.debt)).first()
        self._enrollment_moved(enrollment["id"], moved)
        if lot_id is not None:
            values: dict[str, Any] = {"remaining": t.lots.c.remaining + points}
            if kind in EntryKind.lot_growing_kinds():  # accrual, adjustment
                values["points"] = t.lots.c.points + points
            self.conn.execute(update(t.lots).where(t.lots.c.id == lot_id).values(**values))

    def debt(self, enrollment_id: int) -> int:
        return int(self.conn.execute(
            select(t.enrollments.c.debt).where(t.enrollments.c.id == enrollment_id)
        ).scalar() or 0)

    def lots_as_of(self, enrollment_id: int, as_of: dt.date) -> tuple[list[LotState], int]:
        """Lots with their remaining points as of a past day, and the debt then (from entries)."""
        rows = self.conn.execute(
            select(t.ledger.c.lot_id, func.sum(t.ledger.c.points))
            .where(and_(t.ledger.c.enrollment_id == enrollment_id, t.ledger.c.date <= as_of))
            .group_by(t.ledger.c.lot_id)
        ).all()
        sums = {lot_id: int(total or 0) for lot_id, total in rows}
        lots = [
            LotState(lot.id, lot.accrual_date, lot.available_on, lot.expires_on, sums.get(lot.id, 0))
            for lot in self.lots(enrollment_id, positive_only=False)
            if sums.get(lot.id, 0) > 0
        ]
        return lots, sums.get(None, 0)

    def ledger_moves(self, enrollment_id: int,
                     since: dt.date) -> list[tuple[dt.date, int | None, int]]:
        """The net points of an enrollment's entries per day and lot (None: the debt), for
        the days from `since` on: [(day, lot id, points)] in day order, then lot order."""
        led = t.ledger
        rows = self.conn.execute(
            select(led.c.date, led.c.lot_id, func.sum(led.c.points))
            .where(and_(led.c.enrollment_id == enrollment_id, led.c.date >= since))
            .group_by(led.c.date, led.c.lot_id)
        ).all()
        moves = [(day, lot_id, int(total)) for day, lot_id, total in rows if total]
        return sorted(moves, key=lambda m: (m[0], m[1] is not None, m[1] or 0))

    def last_entry_date(self, enrollment_id: int) -> dt.date | None:
        tot = t.enrollment_totals
        return self.conn.execute(
            select(func.max(tot.c.last_on)).where(tot.c.enrollment_id == enrollment_id)
        ).scalar()

    def entries(self, **where: Any) -> list[RowMapping]:
        stmt = select(t.ledger)
        for key, value in where.items():
            stmt = stmt.where(t.ledger.c[key] == value)
        return self.all(stmt.order_by(t.ledger.c.id))

    def set_lot_expiry(self, lot_id: int, expires_on: dt.date | None) -> None:
        self.conn.execute(update(t.lots).where(t.lots.c.id == lot_id).values(expires_on=expires_on))

    # --- POS documents ------------------------------------------------------------------
    def find_invoice(self, external_id: str, store: int | None = None,
                     lock: bool = False) -> RowMapping | None:
        rows = list(self.conn.execute(FIND_INVOICE, {"external_id": external_id}).mappings())
        if store is not None and len(rows) > 1:
            rows = [r for r in rows if r["store_id"] == store]
        return rows[0] if rows else None

    def invoice_by_pk(self, pk: int) -> RowMapping | None:
        written = self._written_invoices().get(pk)
        if written is not None:  # as this unit of work wrote it: the row the database has
            return written
        return self.one(select(t.invoices).where(t.invoices.c.id == pk))

    def insert_invoice(self, values: dict[str, Any]) -> int:
        row = self.conn.execute(INSERT_INVOICE, values).mappings().one()
        self._wrote_invoice(int(row["id"]), row)
        return int(row["id"])

    def update_invoice(self, pk: int, **values: Any) -> None:
        row = self.conn.execute(UPDATE_INVOICE, {"invoice_pk": pk, **values}).mappings().first()
        self._wrote_invoice(pk, row)

    def _linked_invoice(self, pk: int, lot_id: int) -> None:
        """The remembered invoice row takes the `lot_id` the open_lot statement set."""
        known = self._written_invoices()
        row = known.get(pk)
        if row is not None and not self.conn.in_nested_transaction():
            known[pk] = cast_row({**row, "lot_id": lot_id})
        else:
            known.pop(pk, None)

    def _wrote_invoice(self, pk: int, row: RowMapping | None) -> None:
        """Remember the row written, unless in a savepoint (which may yet roll back)."""
        if row is None or self.conn.in_nested_transaction():
            self._written_invoices().pop(pk, None)
        else:
            self._written_invoices()[pk] = row

    def _written_invoices(self) -> dict[int, RowMapping]:
        """The invoice rows this unit of work wrote, as the INSERT or UPDATE returned them
        (every write to an invoice row goes through `insert_invoice` and `update_invoice`):
        a command's answer reads its invoice without another statement. Rows this unit
        of work wrote are locked until it ends, so nothing else can have changed them; a
        row written in a savepoint is not remembered."""
        known: dict[int, RowMapping] = self._memo.setdefault("invoices written", {})
        return known

    def invoice_lines(self, pk: int) -> list[RowMapping]:
        return self.all(select(t.invoice_lines).where(t.invoice_lines.c.invoice_id == pk)
                        .order_by(t.invoice_lines.c.line_no))

    def insert_lines(self, rows: list[dict[str, Any]]) -> None:
        """One INSERT of all the rows up to `LINES_AT_ONCE` of them (a driver's executemany
        of a few rows cost a post more than the rest of its writes); an executemany above."""
        if not rows:
            return
        columns = tuple(rows[0])
        if len(rows) == 1 or len(rows) > LINES_AT_ONCE or any(tuple(r) != columns for r in rows):
            self.conn.execute(INSERT_LINES, rows if len(rows) > 1 else rows[0])
            return
        self.conn.execute(_lines_at_once(len(rows), columns),
                          {f"{c}_{n}": r[c] for n, r in enumerate(rows) for c in columns})

    def set_lines_eligible(self, pk: int, line_nos: list[int]) -> None:
        il = t.invoice_lines
        self.conn.execute(update(il).where(and_(il.c.invoice_id == pk, il.c.line_no.in_(line_nos)))
                          .values(eligible=True))

    def set_returned_qty(self, pk: int, line_no: int, qty: Decimal) -> None:
        il = t.invoice_lines
        self.conn.execute(update(il).where(and_(il.c.invoice_id == pk, il.c.line_no == line_no))
                          .values(returned_qty=qty))

    def find_payment(self, store: int, external_id: str) -> RowMapping | None:
        p = t.payments
        return self.one(select(p).where(and_(p.c.store_id == store, p.c.external_id == external_id)))

    def insert_payment(self, values: dict[str, Any]) -> None:
        self.conn.execute(insert(t.payments).values(**values))

    def payments_of(self, pk: int) -> list[RowMapping]:
        return self.all(select(t.payments).where(t.payments.c.invoice_id == pk)
                        .order_by(t.payments.c.id))

    def find_return(self, store: int, external_id: str) -> RowMapping | None:
        r = t.returns
        return self.one(select(r).where(and_(r.c.store_id == store, r.c.external_id == external_id)))

    def insert_return(self, values: dict[str, Any], lines: list[dict[str, Any]]) -> int:
        pk = new_id(self.conn.execute(insert(t.returns).values(**values)))
        self.conn.execute(insert(t.return_lines), [{**line, "return_id": pk} for line in lines])
        return pk

    # --- awards, credit memos, coupons -------------------------------------------------------
    def insert_award(self, values: dict[str, Any]) -> int:
        return new_id(self.conn.execute(insert(t.awards).values(**values)))

    def award(self, award_id: int) -> RowMapping | None:
        return self.one(select(t.awards).where(t.awards.c.id == award_id))

    def set_award_status(self, award_id: int, status: str) -> None:
        self.conn.execute(update(t.awards).where(t.awards.c.id == award_id).values(status=status))

    def insert_memo(self, values: dict[str, Any]) -> int:
        return new_id(self.conn.execute(insert(t.credit_memos).values(**values)))

    def memos(self, customer_id: str) -> list[RowMapping]:
        m = t.credit_memos
        return self.all(select(m).where(m.c.customer_id == customer_id).order_by(m.c.id))

    def memo(self, memo_id: int) -> RowMapping | None:
        return self.one(select(t.credit_memos).where(t.credit_memos.c.id == memo_id))

    def memos_of_award(self, award_id: int) -> list[RowMapping]:
        return self.all(select(t.credit_memos).where(t.credit_memos.c.award_id == award_id))

    def use_memo(self, memo: Mapping[Any, Any], invoice_id: int | None, day: dt.date,
                 amount: Decimal, status: str | None = None) -> None:
        """Record a use (or a negative restore) and move the memo's remaining cache."""
        self.conn.execute(insert(t.credit_memo_uses).values(
            memo_id=memo["id"], invoice_id=invoice_id, date=day, amount=amount))
        remaining = memo["remaining"] - amount
        new_status = status or ("used" if remaining == 0 else "open")
        self.conn.execute(update(t.credit_memos).where(t.credit_memos.c.id == memo["id"])
                          .values(remaining=remaining, status=new_status))

    def memo_uses_of_invoice(self, invoice_id: int) -> list[RowMapping]:
        return self.all(select(t.credit_memo_uses)
                        .where(t.credit_memo_uses.c.invoice_id == invoice_id))

    def set_memo_status(self, memo_id: int, status: str) -> None:
        self.conn.execute(update(t.credit_memos).where(t.credit_memos.c.id == memo_id)
                          .values(status=status))

    def memos_expiring(self, day: dt.date,
                       within: CustomerRange | None = None) -> list[RowMapping]:
        m = t.credit_memos  # the ids by the (status, expires_on) index, then rows in id order
        due = select(m.c.id).where(and_(m.c.status == "open", m.c.expires_on <= day,
                                        self._within(m.c.customer_id, within)))
        return self.all(select(m).where(m.c.id.in_(due)).order_by(m.c.id))

    def insert_coupon(self, values: dict[str, Any]) -> int:
        self._coupons_changed()
        return new_id(self.conn.execute(insert(t.coupons).values(**values)))

    def coupons(self, customer_id: str) -> list[RowMapping]:
        c = t.coupons
        return self.all(select(c).where(c.c.customer_id == customer_id).order_by(c.c.id))

    def open_coupons(self, customer_id: str) -> list[Any]:
        """The customer's coupons with status open, in id order (none, without a statement,
        when the customer's read found none: `Repository.customer`)."""
        if customer_id in self._memo.get("no open coupon", ()):
            return []
        return [c for c in self.coupons(customer_id) if c["status"] == "open"]

    def _coupons_changed(self) -> None:
        self._memo.pop("no open coupon", None)

    def update_coupon(self, coupon_id: int, **values: Any) -> None:
        self._coupons_changed()
        self.conn.execute(update(t.coupons).where(t.coupons.c.id == coupon_id).values(**values))

    def coupons_expiring(self, day: dt.date,
                         within: CustomerRange | None = None) -> list[RowMapping]:
        c = t.coupons
        return self.all(select(c).where(and_(c.c.status == "open", c.c.expires_on <= day,
                                             self._within(c.c.customer_id, within))))

    # --- journal, outbox, events -----------------------------------------------------------
    def journal(self, day: dt.date, kind: str, postings: list[Posting], memo: str,
                reference: str | None = None, customer_id: str | None = None) -> None:
        postings = [p for p in postings if p.debit or p.credit]
        if not postings:
            return
        values = {"date": day, "kind": kind, "memo": memo, "reference": reference,
                  "customer_id": customer_id}
        if self.conn.dialect.name == "postgresql" and len(postings) <= 8:  # one statement
            for n, p in enumerate(postings):
                values.update({f"account_{n}": p.account, f"debit_{n}": p.debit,
                               f"credit_{n}": p.credit})
            self.conn.execute(_journal_at_once(len(postings)), values)
            return
        entry = self.conn.execute(INSERT_JOURNAL_ENTRY, values)
        entry_id = new_id(entry)
        self.conn.execute(INSERT_POSTINGS, [
            {"entry_id": entry_id, "account": p.account, "debit": p.debit, "credit": p.credit}
            for p in postings
        ])

    def account_balances(self) -> dict[str, Decimal]:
        jp = t.journal_postings
        cents = (type_coerce(jp.c.debit, BigInteger), type_coerce(jp.c.credit, BigInteger))
        rows = self.conn.execute(
            select(jp.c.account, func.sum(cents[0]), func.sum(cents[1])).group_by(jp.c.account)
        ).all()
        return {acct: from_cents(int(d or 0) - int(c or 0)) for acct, d, c in rows}

    def enqueue(self, values: dict[str, Any]) -> None:
        self.conn.execute(insert(t.outbox).values(status="queued", attempts=0, **values))

    def outbox_count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.outbox)).scalar() or 0)

    def record_event(self, kind: str, day: dt.date, customer_id: str | None,
                     payload: dict[str, Any], at: dt.datetime) -> None:
        self.conn.execute(INSERT_EVENT, {"type": kind, "date": day, "customer_id": customer_id,
                                         "payload": payload, "recorded_at": at})

    # --- maintenance ---------------------------------------------------------------------
    def last_done_day(self) -> dt.date | None:
        return self.conn.execute(select(func.max(t.maintenance_days.c.day))).scalar()

    def mark_day(self, day: dt.date, run_id: int) -> None:
        self.conn.execute(insert(t.maintenance_days).values(day=day, run_id=run_id))

    def insert_run(self, values: dict[str, Any]) -> int:
        return new_id(self.conn.execute(insert(t.maintenance_runs).values(**values)))

    def update_run(self, run_id: int, summary: dict[str, Any]) -> None:
        self.conn.execute(update(t.maintenance_runs).where(t.maintenance_runs.c.id == run_id)
                          .values(summary=summary))

    def _within(self, column: Any, within: CustomerRange | None) -> Any:
        """The daily run split by customer range (adapters/db/run_parts.py): only the
        customers of `within` (None: all)."""
        return in_range(column, within, self.conn.dialect.name)

    def lots_expiring(self, day: dt.date,
                      within: CustomerRange | None = None) -> list[RowMapping]:
        lots = t.lots  # the ids by the partial index of live lots, then the rows in id order
        due = select(lots.c.id).where(and_(LIVE, lots.c.expires_on <= day,
                                           self._within(lots.c.customer_id, within)))
        return self.all(select(lots).where(lots.c.id.in_(due)).order_by(lots.c.id))

    def enrollments_in_debt_with_lots_on(self, day: dt.date,
                                         within: CustomerRange | None = None) -> list[int]:
        e, lots = t.enrollments, t.lots  # from the few in debt (a partial index), not all lots
        payable = select(lots.c.id).where(and_(
            lots.c.enrollment_id == e.c.id, LIVE, lots.c.available_on <= day,
            or_(lots.c.expires_on.is_(None), lots.c.expires_on > day))).exists()
        stmt = select(e.c.id).where(and_(e.c.debt < literal_column("0"), payable,
                                         self._within(e.c.customer_id, within))).order_by(e.c.id)
        return [r[0] for r in self.conn.execute(stmt)]

    def enrollments_reaching(self, program_id: str, level: int, day: dt.date,
                             within: CustomerRange | None = None) -> list[int]:
        """Open enrollments of a program whose available points on `day` reach `level`.

        Only those holding `level` points in any state can (held >= available + debt), so
        the lots summed are theirs alone, found by the index on (program_id, held)."""
        e, lots = t.enrollments, t.lots
        holding = and_(e.c.program_id == program_id, e.c.held >= level, e.c.status == "open",
                       self._within(e.c.customer_id, within))
        avail = (
            select(lots.c.enrollment_id, func.sum(lots.c.remaining).label("pts"))
            .where(and_(lots.c.enrollment_id.in_(select(e.c.id).where(holding)), LIVE,
                        lots.c.available_on <= day,
                        or_(lots.c.expires_on.is_(None), lots.c.expires_on > day)))
            .group_by(lots.c.enrollment_id).subquery()
        )
        stmt = (
            select(e.c.id).join(avail, avail.c.enrollment_id == e.c.id)
            .where(and_(holding, avail.c.pts + e.c.debt >= level))
            .order_by(e.c.id)
        )
        return [r[0] for r in self.conn.execute(stmt)]

    def enrollments_with_period_due(self, program_id: str, day: dt.date,
                                    within: CustomerRange | None = None) -> list[RowMapping]:
        e = t.enrollments
        return self.all(select(e).where(and_(e.c.program_id == program_id, e.c.status == "open",
                                             e.c.period_end <= day,
                                             self._within(e.c.customer_id, within)))
                        .order_by(e.c.id))
