"""The ledger's invariants (PRODUCT.md L1, L3, L5, G1, C1-C5) over random sequences of actions.

Hypothesis state machines drive the facade, on three program set-ups, with invoices of
every item type (redeeming rewards and credit), payments, returns, voids, layaway
conversions, adjustments (+, -, allow_negative, set_balance, expiry moves), enrollments,
transfers and daily runs while the clock moves, and after every step check, from the tables:

- L3 for every enrollment as of today and, in turn, as of an earlier day (lots rebuilt from
  entries); a closed enrollment holds no points at all;
- each lot's cached `remaining` is the sum of its ledger entries and never negative; each
  enrollment's cached `debt` is the sum of its lot-less entries and never positive;
- every journal entry balances; `points_liability` is the value of the outstanding
  points-bank points; `store_credit_liability` is what open memos still hold;
- each credit memo's `remaining` is its amount less its uses, within [0, amount]; a used
  coupon's applied + forfeited is its amount;
- an accrued invoice's points are its accruals net of its reversals in the ledger;
- a refused command (PatronageError) has an expected code and changes no table at all;
  posting an invoice, payment, return, void or adjustment id twice changes nothing; a quote
  changes nothing and promises the points and maximums the post then gives; a redemption
  never exceeds what was available and never makes debt; a daily run changes no balance
  figure except by the awards it grants, and a second run for the day changes nothing.

Failures found here are kept as service tests (tests/service/test_maintenance.py,
test_returns_voids.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from patronage.adapters.db import tables as t
from patronage.adapters.db.all_tables import metadata
from patronage.adapters.db.engine import make_engine
from patronage.core.errors import PatronageError
from patronage.service import ledger
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock
from patronage.service.views import Balance

START = dt.date(2024, 1, 1)
CUSTOMERS = ("C1", "C2", "C3")
CENT = Decimal("0.01")
TABLES = [table.name for table in metadata.sorted_tables]

# --- program set-ups ----------------------------------------------------------------------

CLUB = {  # recurring, grace and rolling expiry, a credit-memo award
    "id": "club", "name": "Club", "kind": "recurring", "status": "open", "effective": "2024-01-01",
    "grace_days": 3, "points_expire_days": 12,
    "filters": [{"name": "no labor", "exclude_item_types": ["labor"]}],
    "multipliers": [{"name": "one per 2", "currency_per_point": "2.00"}],
    "awards": [{"name": "five", "level": 40,
                "credit_memo": {"amount": "5.00", "expire_days": 10, "reason": "loyalty"}}],
}
VIP = {  # recurring, paid in full, no grace, awards at once with a coupon and a memo
    "id": "vip", "name": "VIP", "kind": "recurring", "status": "open", "effective": "2024-01-01",
    "accrue_on": "paid_in_full",
    "filters": [{"name": "all"}],
    "multipliers": [{"name": "general", "currency_per_point": "5.00"},
                    {"name": "jobs", "currency_per_point": "1.00",
                     "transaction_types": ["job_bill"]}],
    "awards": [{"name": "thanks", "level": 30, "coupon": {"amount": "4.00", "expire_days": 7},
                "credit_memo": {"amount": "2.00", "reason": "loyalty"}}],
}
CENTS = {  # points bank, percent tiers, grace and expiry, rewards paid as a tender
    "id": "cents", "name": "Reward Cents", "kind": "points_bank", "status": "open",
    "effective": "2024-01-01", "point_value": "0.01", "grace_days": 2, "points_expire_days": 10,
    "redeem_as": "payment", "report_in_sale_code": "REWARDS",
    "filters": [{"name": "parts", "exclude_item_types": ["labor"]}],
    "percent_tiers": [{"up_to": "100.00", "percent": "1"}, {"up_to": "500.00", "percent": "2"},
                      {"up_to": None, "percent": "3"}],
}
NICKELS = {  # points bank, cash-only paid in full, rewards as a pre-tax discount
    "id": "nickels", "name": "Reward Nickels", "kind": "points_bank", "status": "open",
    "effective": "2024-01-01", "point_value": "0.05", "accrue_on": "paid_in_full",
    "cash_equivalent_only": True, "points_expire_days": 8, "redeem_as": "discount",
    "may_pay_gift_cards": True, "report_in_sale_code": "REWARDS",
    "filters": [{"name": "all"}],
    "percent_tiers": [{"up_to": None, "percent": "5"}],
}
TAXED = {  # points bank whose rewards may pay sales tax, no expiry, no grace
    "id": "taxed", "name": "Taxed Rewards", "kind": "points_bank", "status": "open",
    "effective": "2024-01-01", "point_value": "0.01", "may_pay_sales_tax": True,
    "filters": [{"name": "all"}],
    "percent_tiers": [{"up_to": None, "percent": "4"}],
}

ITEMS = {"TIRE": "product", "OIL": "product", "LAB": "labor", "GC": "gift_card", "SVC": "service"}

lines_st = st.lists(
    st.fixed_dictionaries({
        "sku": st.sampled_from(sorted(ITEMS)),
        "qty": st.sampled_from(["1", "2", "3", "0.5"]),
        "price": st.sampled_from(["0.99", "12.00", "49.95", "80.00", "150.00", "300.00"]),
        "discount": st.sampled_from(["0.00", "0.00", "0.00", "1.00"]),
    }),
    min_size=1, max_size=3,
)
amount_or_all = st.sampled_from([None, None, None, "all", "all", "0.01", "0.03", "0.05", "0.50",
                                 "1.00", "3.00", "10.00", "60.00"])


def snapshot(app: Patronage, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, raw as stored, in rowid order (plain DB-API: it runs often)."""
    raw = app.engine.raw_connection()
    try:
        cur = raw.cursor()
        out = {}
        for name in TABLES:
            if name not in skip:
                cur.execute(f'SELECT rowid, * FROM "{name}" ORDER BY rowid')
                out[name] = cur.fetchall()
        cur.close()
        return out
    finally:
        raw.close()


def identity_holds(b: Balance) -> bool:
    return b.pending + b.available == b.earned + b.adjusted - b.used - b.expired - b.forfeited


class LedgerMachine(RuleBasedStateMachine):
    PROGRAMS: ClassVar[list[dict[str, Any]]] = []
    _template: ClassVar[Engine | None] = None

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(START)
        self.engine = make_engine("sqlite://")
        self.app = Patronage(self.engine, self.clock)
        self.invoices: list[dict[str, Any]] = []
        self.serial = 0

    def teardown(self) -> None:
        self.engine.dispose()

    # --- helpers ---------------------------------------------------------------------------
    def next_id(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"

    def attempt(self, fn: Callable[[], Any], allowed: set[str]) -> Any:
        """Run a write; a refusal must have an expected code and must change nothing."""
        before = snapshot(self.app)
        try:
            done = fn()
        except PatronageError as err:
            event(f"refused: {err.code}")
            assert err.code in allowed, f"unexpected refusal {err.code}: {err.message}"
            assert snapshot(self.app) == before, f"refused {err.code} but changed tables"
            return None
        return done

    def twice_changes_nothing(self, fn: Callable[[], Any]) -> None:
        """C5: posting the same thing again has the effect of posting it once."""
        before = snapshot(self.app)
        fn()
        assert snapshot(self.app) == before, "posting the same document twice changed tables"

    def balances(self) -> dict[str, Balance]:
        def read(tx: Any) -> dict[str, Balance]:
            out = {}
            for c in CUSTOMERS:
                e = tx.repo.open_enrollment(c)
                program = self.programs[e["program_id"]] if e else None
                out[c] = ledger.balance(tx, e, program, self.clock.today())
            return out
        return self.app.read(read)

    def late_payoffs(self) -> dict[str, int]:
        """Per customer, the debt payoffs dated before today (written by a catch-up run)."""
        with self.engine.connect() as conn:
            return dict(conn.execute(
                select(t.ledger.c.customer_id, func.count())
                .where(t.ledger.c.kind == "debt_payoff", t.ledger.c.date < self.clock.today())
                .group_by(t.ledger.c.customer_id)).all())

    def pick_invoice(self, data: st.DataObject) -> dict[str, Any]:
        return self.invoices[data.draw(st.integers(0, len(self.invoices) - 1), label="invoice")]

    # --- set-up ----------------------------------------------------------------------------
    @classmethod
    def template(cls) -> Engine:
        """The shop, programs and first enrollments, built once per set-up and copied after."""
        if cls.__dict__.get("_template") is None:
            engine = make_engine("sqlite://")
            metadata.create_all(engine)
            app = Patronage(engine, FixedClock(START))
            app.configure_shop({"stores": [{"id": 1, "name": "Main"}, {"id": 2, "name": "North"}],
                                "reasons": [{"code": "loyalty", "account": "loyalty_expense"}]})
            for p in cls.PROGRAMS:
                app.put_program(p)
            for c in CUSTOMERS:
                app.put_customer({"id": c, "name": f"Customer {c}"})
            for c in CUSTOMERS[:2]:
                app.enroll({"customer": c, "program": cls.PROGRAMS[0]["id"]})
                app.adjust({"customer": c, "points": 30, "reason": "opening balance"})
            cls._template = engine
        return cls._template  # type: ignore[return-value]

    @initialize()
    def shop(self) -> None:
        source, target = self.template().raw_connection(), self.engine.raw_connection()
        try:
            source.driver_connection.backup(target.driver_connection)  # type: ignore[union-attr]
        finally:
            source.close()
            target.close()
        self.programs = self.app.read(lambda tx: {p.id: p for p in tx.repo.programs()})

    # --- POS documents ---------------------------------------------------------------------
    @rule(customer=st.sampled_from((*CUSTOMERS, None)), store=st.sampled_from([1, 2]),
          kind=st.sampled_from(["sale", "sale", "job_bill", "gift_card_sale", "layaway"]),
          lines=lines_st, tax=st.sampled_from(["0.00", "3.20", "24.00"]),
          pay=st.sampled_from(["none", "card", "half_cash", "other"]),
          rewards=amount_or_all, credit=amount_or_all)
    def post_invoice(self, customer: str | None, store: int, kind: str,
                     lines: list[dict[str, str]], tax: str, pay: str, rewards: str | None,
                     credit: str | None) -> None:
        """Any invoice: every item type, partial or no payment, any redemption."""
        self.post(customer, store, kind, lines, tax, pay, rewards, credit)

    @rule(customer=st.sampled_from(CUSTOMERS[:2]), sku=st.sampled_from(["TIRE", "OIL", "SVC"]),
          qty=st.sampled_from(["1", "2", "3"]),
          price=st.sampled_from(["12.00", "49.95", "80.00", "150.00", "300.00"]),
          rewards=st.sampled_from([None, None, "all", "1.00"]),
          credit=st.sampled_from([None, "all", "all", "2.50"]))
    def post_sale(self, customer: str, sku: str, qty: str, price: str, rewards: str | None,
                  credit: str | None) -> None:
        """A plain sale paid by card: the common case, so that points, awards and memos pile up."""
        line = {"sku": sku, "qty": qty, "price": price, "discount": "0.00"}
        self.post(customer, 1, "sale", [line], "0.00", "card", rewards, credit)

    def post(self, customer: str | None, store: int, kind: str, lines: list[dict[str, str]],
             tax: str, pay: str, rewards: str | None, credit: str | None) -> None:
        body: dict[str, Any] = {
            "id": self.next_id("I"), "store": store, "type": kind, "tax": tax,
            "lines": [{**x, "item_type": ITEMS[x["sku"]]} for x in lines],
        }
        if customer is not None:
            body["customer"] = customer
        gross = sum((Decimal(x["qty"]) * Decimal(x["price"]) for x in lines), Decimal(0))
        gross = (gross + Decimal(tax)).quantize(CENT)
        if pay == "card":
            body["payments"] = [{"tender": "card", "amount": str(gross)}]
        elif pay == "half_cash":
            body["payments"] = [{"tender": "cash", "amount": str((gross / 2).quantize(CENT))}]
        elif pay == "other":
            body["payments"] = [{"tender": "account_credit", "amount": str(gross)}]
        if rewards is not None or credit is not None:
            body["redeem"] = {k: v for k, v in (("rewards", rewards), ("credit_memos", credit))
                              if v is not None}

        before = snapshot(self.app)
        refused = {"invalid", "not_enrolled", "above_maximum", "not_whole_points"}
        quote_refused = None
        try:
            quote = self.app.quote(body)
        except PatronageError as err:
            assert err.code in refused, err  # the refusals a post of it would answer
            quote, quote_refused = None, err.code
        assert snapshot(self.app) == before, "a quote changed tables (C1)"
        available = self.app.balance(customer).available if customer else 0

        try:
            view = self.app.post_invoice(body)
        except PatronageError as err:
            event(f"refused: {err.code}")
            assert err.code == quote_refused, f"the quote answered {quote_refused}, the post {err}"
            assert snapshot(self.app) == before, f"refused {err.code} but changed tables"
            return
        assert quote_refused is None, f"the quote refused ({quote_refused}) what the post took"
        event(f"invoice: points {view.points > 0}, rewards {view.redeemed_rewards > 0}, "
              f"credit {view.credit_applied > 0}, discount {view.loyalty_discount > 0}")
        assert quote is not None
        assert view.redeemed_rewards <= quote["rewards"]["max"]
        assert view.credit_applied <= quote["credit_memos"]["max"]
        assert view.credit_applied <= quote["credit_memos"]["available"]
        if view.redeemed_rewards:
            value = self.programs[self.app.balance(customer or "").program or ""].point_value
            assert value is not None
            assert view.redeemed_rewards / value <= available, "redeemed more than available"
            with self.engine.connect() as conn:
                debts = conn.execute(select(func.count()).select_from(t.ledger).where(
                    t.ledger.c.kind == "redemption", t.ledger.c.lot_id.is_(None))).scalar()
            assert debts == 0, "a redemption went into debt"
        assert view.points == quote["points"], "the quote promised other points (C1)"
        assert (view.points_earnable, view.total, view.paid, view.redeemed_rewards,
                view.credit_applied) == (quote["points_earnable"], quote["total"], quote["paid"],
                                         quote["redeemed_rewards"], quote["credit_applied"]), \
            "the quote with its redemption differs from the post (issue 21 item 12)"
        paid_by_rewards = view.redeemed_rewards if view.loyalty_discount == 0 else 0
        assert view.credit_applied + paid_by_rewards <= view.total, "paid more than the total"
        self.invoices.append(body)
        self.twice_changes_nothing(lambda: self.app.post_invoice(body))

    @precondition(lambda self: self.invoices)
    @rule(data=st.data(), change=st.booleans())
    def repost_invoice(self, data: st.DataObject, change: bool) -> None:
        """C5: the same body again changes nothing; a different body is a conflict."""
        body = self.pick_invoice(data)
        if not change:
            self.twice_changes_nothing(lambda: self.app.post_invoice(body))
            return
        changed = {**body, "tax": str(Decimal(body["tax"]) + 1)}
        before = snapshot(self.app)
        try:
            self.app.post_invoice(changed)
        except PatronageError as err:
            assert err.code == "conflict"
        else:
            raise AssertionError("a different body under a known id was accepted")
        assert snapshot(self.app) == before

    @precondition(lambda self: self.invoices)
    @rule(data=st.data(), share=st.sampled_from(["rest", "half", "1.00", "0.00"]),
          tender=st.sampled_from(["cash", "card", "gift_card"]))
    def pay(self, data: st.DataObject, share: str, tender: str) -> None:
        body = self.pick_invoice(data)
        inv = self.app.invoice(body["id"], body["store"])
        owed = max(Decimal(0), inv.total - inv.paid)
        amounts = {"rest": owed, "half": (owed / 2).quantize(CENT)}
        amount = amounts[share] if share in amounts else Decimal(share)
        payment = {"id": self.next_id("P"), "invoice": body["id"], "store": body["store"],
                   "tender": tender, "amount": str(amount)}
        if self.attempt(lambda: self.app.post_payment(payment), {"already_voided"}) is not None:
            self.twice_changes_nothing(lambda: self.app.post_payment(payment))

    @precondition(lambda self: self.invoices)
    @rule(data=st.data(), qty=st.sampled_from(["0.5", "1", "2"]))
    def return_against_invoice(self, data: st.DataObject, qty: str) -> None:
        body = self.pick_invoice(data)
        sku = data.draw(st.sampled_from([x["sku"] for x in body["lines"]]), label="sku")
        ret = {"id": self.next_id("R"), "invoice": body["id"], "store": body["store"],
               "lines": [{"sku": sku, "qty": qty}]}
        if self.attempt(lambda: self.app.post_return(ret),
                        {"return_exceeds_sale", "already_voided"}) is not None:
            self.twice_changes_nothing(lambda: self.app.post_return(ret))

    @rule(customer=st.sampled_from(CUSTOMERS), sku=st.sampled_from(sorted(ITEMS)),
          price=st.sampled_from(["10.00", "99.00", "250.00"]))
    def return_without_invoice(self, customer: str, sku: str, price: str) -> None:
        ret = {"id": self.next_id("R"), "customer": customer, "store": 1,
               "lines": [{"sku": sku, "qty": "1", "price": price, "item_type": ITEMS[sku]}]}
        if self.attempt(lambda: self.app.post_return(ret), set()) is not None:
            self.twice_changes_nothing(lambda: self.app.post_return(ret))

    @precondition(lambda self: self.invoices)
    @rule(data=st.data())
    def void_or_convert(self, data: st.DataObject) -> None:
        """R3 (voiding twice is voiding once), or A2's layaway conversion."""
        body = self.pick_invoice(data)
        ref = {"invoice": body["id"], "store": body["store"]}
        if body["type"] == "layaway" and data.draw(st.booleans(), label="convert"):
            self.attempt(lambda: self.app.convert_layaway(ref), {"already_voided"})
        elif self.attempt(lambda: self.app.void_invoice(ref), set()) is not None:
            self.twice_changes_nothing(lambda: self.app.void_invoice(ref))

    # --- staff -----------------------------------------------------------------------------
    @rule(customer=st.sampled_from(CUSTOMERS),
          how=st.sampled_from(["give", "take", "take_negative", "set", "expiry", "give_expiring"]),
          points=st.integers(1, 150), days=st.integers(0, 25), with_id=st.booleans())
    def adjust(self, customer: str, how: str, points: int, days: int, with_id: bool) -> None:
        expires = (self.clock.today() + dt.timedelta(days=days)).isoformat()
        body: dict[str, Any] = {"customer": customer, "reason": "test", "user": "mgr"}
        if how == "give":
            body["points"] = points
        elif how == "give_expiring":
            body.update(points=points, expires=expires)
        elif how in ("take", "take_negative"):
            body.update(points=-points, allow_negative=how == "take_negative")
        elif how == "set":
            body["set_balance"] = points - 20
        else:  # J4: a zero adjustment with a date moves the expiry of every lot
            body.update(points=0, expires=expires)
        if with_id:
            body["id"] = self.next_id("A")
        done = self.attempt(lambda: self.app.adjust(body), {"not_enrolled", "insufficient_points"})
        if done is not None and with_id:
            self.twice_changes_nothing(lambda: self.app.adjust(body))  # J5: files are re-run

    @rule(customer=st.sampled_from(CUSTOMERS), which=st.integers(0, 2), close=st.booleans())
    def membership(self, customer: str, which: int, close: bool) -> None:
        """Enroll, transfer (close current) or unenroll (E1, E2)."""
        if which == 2:
            self.attempt(lambda: self.app.unenroll({"customer": customer}), {"not_enrolled"})
            return
        program = self.PROGRAMS[which % len(self.PROGRAMS)]["id"]
        self.attempt(lambda: self.app.enroll({"customer": customer, "program": program,
                                              "close_current": close}),
                     {"already_enrolled"})

    # --- time ------------------------------------------------------------------------------
    @rule(days=st.sampled_from([1, 1, 2, 3, 6, 11]), daily=st.booleans())
    def advance(self, days: int, daily: bool) -> None:
        for _ in range(days):
            self.clock.set(self.clock.today() + dt.timedelta(days=1))
            if daily:
                self.app.run_maintenance({"user": "ops"})

    @rule()
    def maintenance(self) -> None:
        """M1 and L1: balances never wait for the daily run, so a run changes no figure, except
        that the awards it grants (dated when they fell due) use points that were available or,
        when the run catches up late, that have expired since; a second run changes nothing."""
        before, late_before = self.balances(), self.late_payoffs()
        self.app.run_maintenance({"user": "ops"})
        after, late_after = self.balances(), self.late_payoffs()
        for c in CUSTOMERS:
            b, a = before[c], after[c]
            event(f"maintenance: awards {a.used > b.used}, expired {a.expired > 0}, "
                  f"debt {a.available < 0}")
            assert (a.program, a.pending, a.earned, a.adjusted, a.forfeited) == \
                (b.program, b.pending, b.earned, b.adjusted, b.forfeited), c
            if late_after.get(c, 0) > late_before.get(c, 0):
                event("maintenance: debt paid late")  # the balance before had counted it
            if a.program is None or not self.programs[a.program].awards:
                assert (a.available, a.used, a.expired, a.expiring) == \
                    (b.available, b.used, b.expired, b.expiring), c
            assert a.available + a.used + a.expired == b.available + b.used + b.expired, c
            assert a.used >= b.used and a.expired <= b.expired, c
        skip = ("maintenance_runs",)
        kept = snapshot(self.app, skip)
        again = self.app.run_maintenance({"user": "ops"})
        assert again.data["days"] == 0
        assert snapshot(self.app, skip) == kept, "a second run for the same day changed tables"

    # --- invariants --------------------------------------------------------------------------
    @invariant()
    def ledger_invariants(self) -> None:
        self.app.read(self.check_books)
        c = CUSTOMERS[self.serial % len(CUSTOMERS)]  # the facade's figures obey L3 too
        b = self.app.balance(c)
        assert identity_holds(b), f"L3 broken for {c}: {b}"

    def check_books(self, tx: Any) -> None:
        conn, today = tx.repo.conn, self.clock.today()
        lot_sums = dict(conn.execute(
            select(t.ledger.c.lot_id, func.sum(t.ledger.c.points))
            .where(t.ledger.c.lot_id.is_not(None)).group_by(t.ledger.c.lot_id)).all())
        for lot_id, remaining in conn.execute(select(t.lots.c.id, t.lots.c.remaining)).all():
            assert remaining == lot_sums.get(lot_id, 0), f"lot {lot_id}: cache is not the sum"
            assert remaining >= 0, f"lot {lot_id} is negative"
        debt_sums = dict(conn.execute(
            select(t.ledger.c.enrollment_id, func.sum(t.ledger.c.points))
            .where(t.ledger.c.lot_id.is_(None)).group_by(t.ledger.c.enrollment_id)).all())
        all_sums = dict(conn.execute(
            select(t.ledger.c.enrollment_id, func.sum(t.ledger.c.points))
            .group_by(t.ledger.c.enrollment_id)).all())
        enrollments = list(conn.execute(select(t.enrollments)).mappings())
        for kind in conn.execute(select(t.ledger.c.kind).distinct()).scalars():
            event(f"ledger has {kind}")
        open_customers = [e["customer_id"] for e in enrollments if e["status"] == "open"]
        assert len(open_customers) == len(set(open_customers)), "E1: two open enrollments"
        for e in enrollments:
            assert e["debt"] == debt_sums.get(e["id"], 0), f"enrollment {e['id']}: debt cache"
            assert e["debt"] <= 0, f"enrollment {e['id']} has a positive debt"
            if e["status"] == "closed":
                assert all_sums.get(e["id"], 0) == 0, "a closed enrollment kept points"
            # L3, as of today (cached lots) and, in turn, an earlier day (lots rebuilt from
            # entries); a closed enrollment is frozen, so it is checked on the day it closed
            if e["status"] == "closed" and e["closed_on"] != today:
                continue
            for back in (0, 3) if e["id"] % 3 == self.serial % 3 else (0,):
                day = max(e["start_date"], today - dt.timedelta(days=back))
                b = ledger.balance(tx, e, self.programs[e["program_id"]], day)
                assert identity_holds(b), f"L3 broken for enrollment {e['id']} on {day}: {b}"
                assert b.pending >= 0

        # G1: every entry balances; the liabilities are what is outstanding
        per_entry: dict[int, Decimal] = {}
        accounts: dict[str, Decimal] = {}
        for entry_id, account, debit, credit in conn.execute(select(
                t.journal_postings.c.entry_id, t.journal_postings.c.account,
                t.journal_postings.c.debit, t.journal_postings.c.credit)).all():
            assert debit >= 0 and credit >= 0
            per_entry[entry_id] = per_entry.get(entry_id, Decimal(0)) + debit - credit
            accounts[account] = accounts.get(account, Decimal(0)) + debit - credit
        assert all(v == 0 for v in per_entry.values()), "an unbalanced journal entry"
        values = {p.id: p.point_value for p in self.programs.values() if p.kind == "points_bank"}
        outstanding = sum((values[e["program_id"]] * all_sums.get(e["id"], 0)
                           for e in enrollments if e["program_id"] in values), Decimal(0))
        assert accounts.get("points_liability", 0) == -outstanding, "points liability"

        uses = dict(conn.execute(
            select(t.credit_memo_uses.c.memo_id, func.sum(t.credit_memo_uses.c.amount))
            .group_by(t.credit_memo_uses.c.memo_id)).all())
        held = Decimal(0)
        for m in conn.execute(select(t.credit_memos)).mappings():
            used = uses.get(m["id"], Decimal(0))  # sum() keeps the Money type
            assert m["remaining"] == m["amount"] - used, f"memo {m['id']}: cache is not the sum"
            assert 0 <= m["remaining"] <= m["amount"], f"memo {m['id']} out of range"
            if m["status"] in ("open", "used"):
                assert (m["status"] == "used") == (m["remaining"] == 0), f"memo {m['id']} status"
                held += m["remaining"]
        assert accounts.get("store_credit_liability", 0) == -held, "store credit liability"

        for c in conn.execute(select(t.coupons)).mappings():
            if c["status"] == "used":
                assert c["invoice_id"] is not None
                assert c["applied"] + c["forfeited"] == c["amount"], f"coupon {c['id']}"
            elif c["status"] == "open":
                assert c["invoice_id"] is None, f"coupon {c['id']} is open but applied"

        # an invoice's points are what the ledger says it earned, net of its reversals
        earned = dict(conn.execute(
            select(t.ledger.c.invoice_id, func.sum(t.ledger.c.points))
            .where(t.ledger.c.kind.in_(("accrual", "reversal")), t.ledger.c.invoice_id.is_not(None))
            .group_by(t.ledger.c.invoice_id)).all())
        still_open = {e["id"] for e in enrollments if e["status"] == "open"}
        for inv in conn.execute(select(t.invoices).where(t.invoices.c.accrued.is_(True))).mappings():
            assert inv["points"] >= 0
            if inv["enrollment_id"] in still_open:
                assert earned.get(inv["id"], 0) == inv["points"], f"invoice {inv['external_id']}"


class RecurringMachine(LedgerMachine):
    PROGRAMS: ClassVar[list[dict[str, Any]]] = [CLUB, VIP]


class PointsBankMachine(LedgerMachine):
    PROGRAMS: ClassVar[list[dict[str, Any]]] = [CENTS, NICKELS]


class MixedMachine(LedgerMachine):
    PROGRAMS: ClassVar[list[dict[str, Any]]] = [TAXED, CLUB]


FAST = settings(max_examples=50, stateful_step_count=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

TestRecurring = RecurringMachine.TestCase
TestRecurring.settings = FAST
TestPointsBank = PointsBankMachine.TestCase
TestPointsBank.settings = FAST
TestMixed = MixedMachine.TestCase
TestMixed.settings = settings(FAST, max_examples=15)
