"""Reference data: shop settings, stores, customers, cards, programs, enrollments.

Reads and writes rows; holds no rules. Programs come back as the core's `Program` value.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    String,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine, RowMapping

from patronage.adapters.db import tables as t
from patronage.adapters.db import tables_tiers as tt
from patronage.adapters.db.books import Books, new_id
from patronage.adapters.db.engine import base_engine
from patronage.adapters.db.link_queries import LinkQueries
from patronage.adapters.db.outbox_queries import OutboxQueries
from patronage.adapters.db.read_queries import ReadQueries
from patronage.adapters.db.service_queries import ServiceQueries
from patronage.adapters.db.tables_campaigns import campaigns as campaigns_table
from patronage.core.programs import (
    Award,
    Coupon,
    CreditMemo,
    Filter,
    Multiplier,
    Notify,
    Program,
    Tier,
)
from patronage.core.tiers import StatusTier, TierRules

FILTER_LISTS = (
    "transaction_types", "stores", "job_types", "vendors", "manufacturers", "product_lines",
    "sub_departments", "item_types", "items", "exclude_item_types",
)
REMINDER_DAYS = ("remind_points_expiring_days", "remind_credit_expiring_days")  # JSON lists


# Programs by engine and `programs` row (see `Repository._program`).
_PROGRAMS: weakref.WeakKeyDictionary[Engine, dict[str, Program]] = \
    weakref.WeakKeyDictionary()
# Store ids seen to exist, by engine (see `Repository.store_exists`).
_STORES: weakref.WeakKeyDictionary[Engine, set[int]] = weakref.WeakKeyDictionary()


class Repository(Books, ServiceQueries, ReadQueries, OutboxQueries, LinkQueries):
    """All reads and writes of one unit of work, on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._memo: dict[Any, Any] = {}

    def _remembered(self, key: Any, load: Any) -> Any:
        """The shop and programs, read once per unit of work: every write to them goes
        through this class (`save_shop`, `note_activity`, `save_program`), which forgets
        them, so the answer is the one the database would give, with fewer statements."""
        if key not in self._memo:
            self._memo[key] = load()
        return self._memo[key]

    def one(self, stmt: Any) -> RowMapping | None:
        return self.conn.execute(stmt).mappings().first()

    def all(self, stmt: Any) -> list[RowMapping]:
        return list(self.conn.execute(stmt).mappings())

    # --- shop --------------------------------------------------------------------------
    def shop(self) -> RowMapping | None:
        return self._remembered("shop", lambda: self.one(select(t.shop).where(t.shop.c.id == 1)))

    def save_shop(self, values: dict[str, Any]) -> None:
        shop = self.shop()
        self._memo.clear()
        if shop is None:
            self.conn.execute(insert(t.shop).values(id=1, **values))
        else:
            self.conn.execute(update(t.shop).where(t.shop.c.id == 1).values(**values))

    def note_activity(self, day: dt.date) -> None:
        row = self.shop()
        if row is None:
            self.save_shop({"first_activity": day})
        elif row["first_activity"] is None or day < row["first_activity"]:
            self._memo.clear()
            self.conn.execute(update(t.shop).where(t.shop.c.id == 1).values(first_activity=day))

    def upsert(self, table: t.Table, key: str, values: dict[str, Any]) -> None:
        col = table.c[key]
        if self.one(select(col).where(col == values[key])) is None:
            self.conn.execute(insert(table).values(**values))
        else:
            self.conn.execute(update(table).where(col == values[key]).values(**values))

    def store(self, store_id: int) -> RowMapping | None:
        return self.one(select(t.stores).where(t.stores.c.id == store_id))

    def store_exists(self, store_id: int) -> bool:
        """Whether the store is known: stores are added and renamed, never deleted, so a
        store once seen is remembered per process and database (a POS document names its
        store on every post)."""
        known = _STORES.setdefault(base_engine(self.conn.engine), set())
        if store_id in known:
            return True
        if self.store(store_id) is None:
            return False
        known.add(store_id)
        return True

    def lowest_active_store(self) -> int | None:
        return self.conn.execute(
            select(func.min(t.stores.c.id)).where(t.stores.c.active.is_(True))
        ).scalar()

    def status_included(self, code: str | None) -> bool:
        if code is None:
            return True
        row = self.one(select(t.statuses).where(t.statuses.c.code == code))
        return True if row is None else bool(row["include_in_loyalty"])

    def status_codes(self) -> set[str]:
        """The customer statuses the shop defines (empty: it defines none)."""
        return set(self.conn.execute(select(t.statuses.c.code)).scalars())

    def reason(self, code: str) -> RowMapping | None:
        return self.one(select(t.reasons).where(t.reasons.c.code == code))

    def price_group(self, code: str) -> RowMapping | None:
        return self.one(select(t.price_groups).where(t.price_groups.c.code == code))

    def employees(self, ids: list[str]) -> list[RowMapping]:
        return self.all(select(t.employees).where(t.employees.c.id.in_(ids)))

    def subscribers(self, event: str) -> list[str]:
        rows = self.all(select(t.event_subscribers).where(t.event_subscribers.c.event == event))
        return [r["email"] for r in rows]

    # --- customers and cards ------------------------------------------------------------
    def customer(self, customer_id: str, lock: bool = False) -> Mapping[str, Any] | None:
        """The customer's row, locked with `lock` (PostgreSQL; SQLite's writers are serial).
        Read in the same statement (issue 20: a command's book in one read), and remembered
        for the unit of work, is what a command on a customer reads next: the shop, the
        customer's open enrollments and their programs, and whether a coupon of theirs is
        open (`shop`, `open_enrollment(s)`, `program`, `open_coupons`). Every write to
        those here forgets them or moves them with the row (`_enrollment_moved`)."""
        # The lock first, in a statement of its own: a read that waited for the lock sees,
        # at READ COMMITTED, only the locked row as committed meanwhile, and its joins as
        # they were when it began (an enrollment opened by the command it waited for would
        # be missed). The next statement reads them anew.
        if lock and self.conn.dialect.name == "postgresql" and \
                self.conn.execute(LOCK_CUSTOMER, {"customer": customer_id}).first() is None:
            return None
        rows = self.conn.execute(_customer_book(), {"customer": customer_id}).all()
        self._memo.pop("tier standing", None)  # read anew with the customer (and its lock)
        if not rows:
            return None
        first = rows[0]._mapping
        customer = {x.name: first[x.name] for x in t.customers.columns}
        if first["shop__id"] is not None:
            self._memo["shop"] = _part(first, "shop__", t.shop)
        opened: list[Mapping[str, Any]] = []
        for row in rows:
            held = row._mapping
            if held["enr__id"] is None:
                continue
            enrollment = _part(held, "enr__", t.enrollments)
            opened.append(enrollment)
            self._seen(enrollment)  # type: ignore[arg-type]
            if held["prog__id"] is not None:
                self._memo[("program", held["prog__id"])] = \
                    self._program(_part(held, "prog__", t.programs))  # type: ignore[arg-type]
        self._memo.setdefault("open", {})[customer_id] = opened
        none_open: set[str] = self._memo.setdefault("no open coupon", set())
        if first["book__coupon"]:
            none_open.discard(customer_id)
        else:
            none_open.add(customer_id)
        return customer

    def lock_customers(self, ids: list[str]) -> None:
        """Lock many customers' rows (PostgreSQL), in id order so that two commands locking
        overlapping sets wait for each other instead of deadlocking. SQLite's writers are
        serial already (BEGIN IMMEDIATE)."""
        self._memo.pop("tier standing", None)  # read anew after the lock (see `customer`)
        for customer_id in ids:
            self._memo.get("open", {}).pop(customer_id, None)
            self._memo.get("no open coupon", set()).discard(customer_id)
        if self.conn.dialect.name != "postgresql":
            return
        ordered = sorted(set(ids))
        for i in range(0, len(ordered), 1000):
            c = t.customers
            self.conn.execute(select(c.c.id).where(c.c.id.in_(ordered[i:i + 1000]))
                              .order_by(c.c.id).with_for_update()).all()

    def lock_invoice(self, pk: int) -> RowMapping | None:
        """The invoice, read under a lock of its own row (PostgreSQL): what serialises the
        commands on a sale that has no customer to lock."""
        if self.conn.dialect.name != "postgresql":
            return self.invoice_by_pk(pk)
        return self.one(select(t.invoices).where(t.invoices.c.id == pk).with_for_update())

    def lock_daily_run(self) -> dt.date | None:
        """Take the daily run's lock, then read the last day done: one run at a time, each
        seeing what the one before it did. PostgreSQL: a transaction advisory lock named
        for the schema (released at commit or rollback); SQLite's writers are serial already.
        The day is read from the table itself, never from a write-behind memory of it."""
        if self.conn.dialect.name == "postgresql":
            name = literal("patronage.daily_run:", String) + func.current_schema()
            self.conn.execute(select(func.pg_advisory_xact_lock(
                func.hashtextextended(name, literal_column("0"))))).all()
        return Books.last_done_day(self)

    def set_price_group(self, customer_id: str, code: str | None) -> None:
        self.conn.execute(
            update(t.customers).where(t.customers.c.id == customer_id).values(price_group=code)
        )

    def add_note(self, customer_id: str, day: dt.date, text: str, user: str | None) -> None:
        self.conn.execute(
            insert(t.customer_notes).values(customer_id=customer_id, date=day, text=text, user=user)
        )

    def notes(self, customer_id: str) -> list[str]:
        rows = self.all(
            select(t.customer_notes.c.text)
            .where(t.customer_notes.c.customer_id == customer_id)
            .order_by(t.customer_notes.c.id)
        )
        return [r["text"] for r in rows]

    def card(self, number: str) -> RowMapping | None:
        return self.one(select(t.cards).where(t.cards.c.number == number))

    def cards_of(self, customer_id: str) -> list[RowMapping]:
        return self.all(select(t.cards).where(t.cards.c.customer_id == customer_id))

    # --- programs ------------------------------------------------------------------------
    def program(self, program_id: str) -> Program | None:
        def load() -> Program | None:
            row = self.one(select(t.programs).where(t.programs.c.id == program_id))
            return None if row is None else self._program(row)

        return self._remembered(("program", program_id), load)  # type: ignore[no-any-return]

    def programs(self) -> list[Program]:
        return [self._program(r) for r in self.all(select(t.programs).order_by(t.programs.c.id))]

    def _program(self, row: RowMapping) -> Program:
        """The program of a `programs` row. Its filters, rates and awards are read once per
        process and version: `save_program` is their only writer and adds one to the
        version each time, so a row read now with a version already seen (and the same
        settings) has the same children, and the cached value is the answer."""
        # per base engine: lookups (`engine.lookups`) hand out the same `Program`
        known = _PROGRAMS.setdefault(base_engine(self.conn.engine), {})
        key = repr(tuple(row.items()))  # its lists (statuses) are not hashable
        program = known.get(key)
        if program is None:
            if len(known) >= 1000:  # programs are few; versions pile up over the years
                known.clear()
            program = known[key] = self._program_read(row)
        return program

    def _program_read(self, row: RowMapping) -> Program:
        pid = row["id"]
        filters = self.all(
            select(t.program_filters).where(t.program_filters.c.program_id == pid)
            .order_by(t.program_filters.c.position)
        )
        rates = self.all(
            select(t.program_rates).where(t.program_rates.c.program_id == pid)
            .order_by(t.program_rates.c.position)
        )
        awards = self.all(
            select(t.program_awards).where(t.program_awards.c.program_id == pid)
            .order_by(t.program_awards.c.position)
        )
        settings = {k: row[k] for k in row if k != "version"}
        settings["eligible_statuses"] = tuple(row["eligible_statuses"] or ())
        for days in REMINDER_DAYS:
            settings[days] = tuple(row[days] or ())
        return Program(
            **settings,
            filters=tuple(_filter(f) for f in filters),
            multipliers=tuple(
                Multiplier(
                    name=r["name"] or "", currency_per_point=r["currency_per_point"],
                    effective=r["effective"], expires=r["expires"],
                    transaction_types=tuple(r["transaction_types"] or ()),
                    whiteboard=r["whiteboard"],
                )
                for r in rates if r["method"] == "multiplier"
            ),
            percent_tiers=tuple(
                Tier(up_to=r["up_to"], percent=r["percent"])
                for r in rates if r["method"] == "percent_tier"
            ),
            awards=tuple(_award(a) for a in awards),
            status_tiers=self._tier_rules(pid),  # issue 23 item 1
        )

    def _tier_rules(self, pid: str) -> TierRules | None:
        """The program's status tiers (0013_tiers), None when it has none."""
        row = self.one(select(tt.program_tiers.c.rules).where(tt.program_tiers.c.program_id == pid))
        return None if row is None else tier_rules_of(row["rules"])

    def save_program(self, p: Program) -> None:
        pid = p.id
        self._memo.clear()
        _PROGRAMS.pop(base_engine(self.conn.engine), None)
        for child in (t.program_filters, t.program_rates, t.program_awards, tt.program_tiers):
            self.conn.execute(delete(child).where(child.c.program_id == pid))
        values = {c.name: getattr(p, c.name) for c in t.programs.columns if c.name != "version"}
        values["eligible_statuses"] = list(p.eligible_statuses)
        for days in REMINDER_DAYS:
            values[days] = list(getattr(p, days))
        existing = self.one(select(t.programs.c.version).where(t.programs.c.id == pid))
        if existing is None:
            self.conn.execute(insert(t.programs).values(**values, version=1))
        else:
            self.conn.execute(
                update(t.programs).where(t.programs.c.id == pid)
                .values(**values, version=existing["version"] + 1)
            )
        for i, f in enumerate(p.filters):
            criteria: dict[str, Any] = {k: list(getattr(f, k)) for k in FILTER_LISTS}
            criteria["min_qty"] = None if f.min_qty is None else str(f.min_qty)
            self.conn.execute(insert(t.program_filters).values(
                program_id=pid, position=i, name=f.name, effective=f.effective,
                expires=f.expires, criteria=criteria, whiteboard=f.whiteboard,
            ))
        for i, m in enumerate(p.multipliers):
            self.conn.execute(insert(t.program_rates).values(
                program_id=pid, position=i, method="multiplier", name=m.name,
                effective=m.effective, expires=m.expires,
                transaction_types=list(m.transaction_types), currency_per_point=m.currency_per_point,
                whiteboard=m.whiteboard,
            ))
        for i, tier in enumerate(p.percent_tiers, start=len(p.multipliers)):
            self.conn.execute(insert(t.program_rates).values(
                program_id=pid, position=i, method="percent_tier", up_to=tier.up_to,
                percent=tier.percent,
            ))
        if p.status_tiers is not None:  # issue 23 item 1
            self.conn.execute(insert(tt.program_tiers).values(
                program_id=pid, rules=tier_rules_json(p.status_tiers)))
        for i, a in enumerate(p.awards):
            self.conn.execute(insert(t.program_awards).values(
                program_id=pid, position=i, name=a.name, effective=a.effective,
                expires=a.expires, level=a.level, level_from=a.level_from, level_to=a.level_to,
                actions=award_actions(a), whiteboard=a.whiteboard,
            ))

    # --- enrollments -----------------------------------------------------------------------
    def active_campaigns(self, program_id: str) -> list[RowMapping]:
        """The program's campaigns whose status is active, in id order (K1-K7)."""
        c = campaigns_table.c
        return self.all(select(campaigns_table)
                        .where(and_(c.program_id == program_id, c.status == "active"))
                        .order_by(c.id))

    def open_enrollment(self, customer_id: str) -> RowMapping | None:
        known = self._memo.get("open", {}).get(customer_id)
        if known is not None:  # read with the customer (`customer`)
            return known[0] if known else None
        e = t.enrollments
        return self._seen(self.one(select(e).where(and_(e.c.customer_id == customer_id,
                                                        e.c.status == "open"))))

    def enrollment(self, enrollment_id: int) -> RowMapping | None:
        return self._seen(self.one(select(t.enrollments)
                                   .where(t.enrollments.c.id == enrollment_id)))

    def _seen(self, row: RowMapping | None) -> RowMapping | None:
        """Remember an enrollment's program, which never changes, for `program_of`."""
        if row is not None:
            self._memo[("program of", row["id"])] = row["program_id"]
        return row

    def program_of(self, enrollment_id: int) -> str | None:
        """The program of an enrollment: from any read of it in this unit of work, else read."""
        known = self._memo.get(("program of", enrollment_id))
        if known is not None:
            return str(known)
        row = self.enrollment(enrollment_id)
        return None if row is None else str(row["program_id"])

    # --- several programs per customer (0009_many_programs) ---------------------------------
    def open_enrollments(self, customer_id: str) -> list[RowMapping]:
        """Every open enrollment of the customer, oldest first (E1 with `many`)."""
        known = self._memo.get("open", {}).get(customer_id)
        if known is not None:  # read with the customer (`customer`)
            return list(known)
        e = t.enrollments
        return self.all(select(e).where(and_(e.c.customer_id == customer_id,
                                             e.c.status == "open")).order_by(e.c.id))

    def invoice_earnings(self, invoice_id: int) -> list[RowMapping]:
        """An invoice's shares, one per enrollment it earned in, in the order they accrued."""
        x = t.invoice_earnings
        return self.all(select(x).where(x.c.invoice_id == invoice_id)
                        .order_by(x.c.enrollment_id))

    def insert_invoice_earning(self, values: dict[str, Any]) -> None:
        self.conn.execute(insert(t.invoice_earnings).values(**values))

    def update_invoice_earning(self, invoice_id: int, enrollment_id: int, **values: Any) -> None:
        x = t.invoice_earnings
        self.conn.execute(update(x).where(and_(x.c.invoice_id == invoice_id,
                                               x.c.enrollment_id == enrollment_id))
                          .values(**values))

    def _enrollments_changed(self) -> None:
        """An enrollment opened, closed or re-dated: the open ones read with a customer are
        read again when next asked for."""
        self._memo.pop("open", None)

    def insert_enrollment(self, customer_id: str, program_id: str, start: dt.date,
                          period: tuple[dt.date, dt.date] | None) -> int:
        self._enrollments_changed()
        result = self.conn.execute(insert(t.enrollments).values(
            customer_id=customer_id, program_id=program_id, start_date=start, status="open",
            period_start=period[0] if period else None, period_end=period[1] if period else None,
            debt=0,
        ))
        return new_id(result)

    def close_enrollment(self, enrollment_id: int, day: dt.date) -> None:
        self._enrollments_changed()
        self.conn.execute(update(t.enrollments).where(t.enrollments.c.id == enrollment_id)
                          .values(status="closed", closed_on=day))

    def set_period(self, enrollment_id: int, period: tuple[dt.date, dt.date] | None) -> None:
        self._enrollments_changed()
        self.conn.execute(update(t.enrollments).where(t.enrollments.c.id == enrollment_id).values(
            period_start=period[0] if period else None, period_end=period[1] if period else None))


LOCK_CUSTOMER = select(t.customers.c.id).where(t.customers.c.id == bindparam("customer")) \
    .with_for_update()


@cache
def _customer_book() -> Any:
    """`Repository.customer`'s read: the customer, the shop, the customer's open
    enrollments (one row each, oldest first) with their programs, and whether a coupon of
    theirs is open."""
    c, s, e, p, cp = t.customers, t.shop, t.enrollments, t.programs, t.coupons
    open_coupon = select(cp.c.id).where(and_(cp.c.customer_id == c.c.id,
                                             cp.c.status == "open")).exists()
    stmt = (
        select(*c.c, *(x.label(f"shop__{x.name}") for x in s.c),
               *(x.label(f"enr__{x.name}") for x in e.c),
               *(x.label(f"prog__{x.name}") for x in p.c),
               open_coupon.label("book__coupon"))
        .select_from(c.outerjoin(s, s.c.id == literal_column("1"))
                     .outerjoin(e, and_(e.c.customer_id == c.c.id, e.c.status == "open"))
                     .outerjoin(p, p.c.id == e.c.program_id))
        .where(c.c.id == bindparam("customer"))
        .order_by(e.c.id)
    )
    return stmt


def _part(row: Mapping[Any, Any], prefix: str, table: t.Table) -> dict[str, Any]:
    """One table's columns of a joined row, by their own names, in the table's order."""
    return {x.name: row[prefix + x.name] for x in table.columns}


def _filter(row: RowMapping) -> Filter:
    c = row["criteria"]
    return Filter(
        name=row["name"], effective=row["effective"], expires=row["expires"],
        min_qty=None if c.get("min_qty") is None else Decimal(c["min_qty"]),
        **{k: tuple(c.get(k) or ()) for k in FILTER_LISTS}, whiteboard=row["whiteboard"],
    )


def award_actions(a: Award) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if a.credit_memo:
        out["credit_memo"] = {"amount": str(a.credit_memo.amount),
                              "expire_days": a.credit_memo.expire_days,
                              "reason": a.credit_memo.reason}
    if a.coupon:
        out["coupon"] = {"amount": str(a.coupon.amount), "expire_days": a.coupon.expire_days}
    if a.price_group:
        out["price_group"] = a.price_group
    if a.notify:
        out["notify"] = {"employees": list(a.notify.employees), "subscribers": a.notify.subscribers,
                         "letter_template": a.notify.letter_template}
    return out


def _award(row: RowMapping) -> Award:
    acts = row["actions"]
    cm, cp, nt = acts.get("credit_memo"), acts.get("coupon"), acts.get("notify")
    return Award(
        name=row["name"], effective=row["effective"], expires=row["expires"], level=row["level"],
        level_from=row["level_from"], level_to=row["level_to"],
        credit_memo=CreditMemo(Decimal(cm["amount"]), cm.get("expire_days"), cm.get("reason"))
        if cm else None,
        coupon=Coupon(Decimal(cp["amount"]), cp.get("expire_days")) if cp else None,
        price_group=acts.get("price_group"),
        notify=Notify(tuple(nt.get("employees") or ()), bool(nt.get("subscribers")),
                      nt.get("letter_template")) if nt else None,
        whiteboard=row["whiteboard"],
    )


def tier_rules_json(rules: TierRules) -> dict[str, Any]:
    """Status tiers as stored in `program_tiers.rules` (issue 23 item 1)."""
    return {"measure": rules.measure, "window": rules.window,
            "rolling_days": rules.rolling_days, "grace_days": rules.grace_days,
            "levels": [{"name": x.name, "threshold": str(x.threshold),
                        "multiplier": str(x.multiplier), "price_group": x.price_group}
                       for x in rules.levels]}


def tier_rules_of(data: dict[str, Any]) -> TierRules:
    return TierRules(
        levels=tuple(StatusTier(x["name"], Decimal(x["threshold"]), Decimal(x["multiplier"]),
                                x.get("price_group")) for x in data["levels"]),
        measure=data["measure"], window=data["window"], rolling_days=data.get("rolling_days"),
        grace_days=int(data.get("grace_days") or 0))
