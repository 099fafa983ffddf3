"""The statements service/ handlers used to build themselves, as named repository methods
(issue 20 item 2: service/ reads and writes through ports, see service/ports.py).

`ServiceQueries` is a mixin of `Repository`: each method runs the statement the service
ran, unchanged, on `self.conn` (so a `BulkRepository`'s guard sees it as before) and
answers the one question its name says. Grouped by the service module that asks.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

from patronage.adapters.db import run_parts, tier_queries
from patronage.adapters.db import tables as t
from patronage.adapters.db.check_queries import CheckQueries
from patronage.adapters.db.run_parts import CustomerRange
from patronage.adapters.db.tables_campaigns import campaigns
from patronage.adapters.db.tables_links import customer_links
from patronage.core import journal
from patronage.core.entries import EntryKind
from patronage.core.programs import Award
from patronage.core.tiers import Standing


class ServiceQueries:
    conn: Connection
    _memo: dict[Any, Any]  # Repository's: what the unit of work read once

    if TYPE_CHECKING:  # Books's and Repository's
        def one(self, stmt: Any) -> RowMapping | None: ...

        def all(self, stmt: Any) -> list[RowMapping]: ...

        def upsert(self, table: Any, key: str, values: dict[str, Any]) -> None: ...

        def insert_award(self, values: dict[str, Any]) -> int: ...

    # --- check -------------------------------------------------------------------------
    def checks(self) -> CheckQueries:
        """`patronage check`'s statements (adapters/db/check_queries.py), on this connection."""
        return CheckQueries(self.conn)

    # --- explaining --------------------------------------------------------------------
    def invoices_in_order(self) -> list[RowMapping]:
        """Every invoice, in posting order."""
        return self.all(select(t.invoices).order_by(t.invoices.c.id))

    # --- own page ----------------------------------------------------------------------
    def customer_link(self, link_id: Any) -> RowMapping | None:
        return self.one(select(customer_links).where(customer_links.c.id == link_id))

    # --- memberships -------------------------------------------------------------------
    def holders_of_several(self, limit: int) -> list[str]:
        """Customers holding more than one open enrollment, by id, at most `limit`."""
        e = t.enrollments
        stmt = (select(e.c.customer_id).where(e.c.status == "open").group_by(e.c.customer_id)
                .having(func.count() > 1).order_by(e.c.customer_id).limit(limit))
        return [str(r[0]) for r in self.conn.execute(stmt)]

    # --- adjustments -------------------------------------------------------------------
    def adjustment_by_external_id(self, external_id: str) -> RowMapping | None:
        adj = t.adjustments
        return self.one(adj.select().where(adj.c.external_id == external_id))

    def insert_adjustment(self, *, enrollment_id: int, customer_id: str, date: dt.date,
                          points: int, set_balance: int | None, expires: dt.date | None,
                          reason: str | None, user: str | None,
                          external_id: str | None) -> None:
        self.conn.execute(t.adjustments.insert().values(
            enrollment_id=enrollment_id, customer_id=customer_id, date=date, points=points,
            set_balance=set_balance, expires=expires, reason=reason, user=user,
            external_id=external_id))

    # --- awards ------------------------------------------------------------------------
    def insert_granted_award(self, award: Award, values: dict[str, Any]) -> int:
        """Insert an award granted now, its actions stored as the program stores them."""
        from patronage.adapters.db.repository import award_actions  # it imports this module

        return self.insert_award({**values, "actions": award_actions(award)})

    # --- trial (the "try it" page) -----------------------------------------------------
    def last_entry_id(self) -> int:
        """The newest ledger entry's id, 0 for none."""
        return self.conn.execute(select(func.max(t.ledger.c.id))).scalar() or 0

    def entries_after(self, entry_id: int, customer_id: str | None) -> list[RowMapping]:
        """The customer's ledger entries written after `entry_id`, oldest first."""
        led = t.ledger
        return self.all(select(led).where(led.c.id > entry_id,
                                          led.c.customer_id == customer_id).order_by(led.c.id))

    def awards_of(self, customer_id: str) -> list[RowMapping]:
        aw = t.awards
        return self.all(select(aw).where(aw.c.customer_id == customer_id))

    # --- setup -------------------------------------------------------------------------
    def save_store(self, values: dict[str, Any]) -> None:
        self.upsert(t.stores, "id", values)

    def save_status(self, values: dict[str, Any]) -> None:
        self.upsert(t.statuses, "code", values)

    def save_reason(self, values: dict[str, Any]) -> None:
        self.upsert(t.reasons, "code", values)

    def save_price_group(self, values: dict[str, Any]) -> None:
        self.upsert(t.price_groups, "code", values)

    def save_employee(self, values: dict[str, Any]) -> None:
        self.upsert(t.employees, "id", values)

    def save_customer(self, values: dict[str, Any]) -> None:
        self.upsert(t.customers, "id", values)

    def add_subscriber(self, event: str, email: str) -> None:
        self.conn.execute(t.event_subscribers.insert().values(event=event, email=email))

    # --- return_restore ----------------------------------------------------------------
    def redemption_credit_account(self, reference: str, customer_id: str | None) -> str | None:
        """The account (other than points liability) the first redemption journal entry
        with this reference credited, if any."""
        je, jp = t.journal_entries, t.journal_postings
        row = self.one(
            select(jp.c.account).select_from(jp.join(je, je.c.id == jp.c.entry_id))
            .where(and_(je.c.kind == EntryKind.REDEMPTION,
                        je.c.reference == reference,
                        je.c.customer_id == customer_id,
                        jp.c.account != journal.POINTS_LIABILITY, jp.c.credit > 0))
            .order_by(je.c.id).limit(1))
        return None if row is None else str(row["account"])

    # --- rewards_manual ----------------------------------------------------------------
    def manual_reward_by_external_id(self, external_id: str) -> RowMapping | None:
        mr = t.manual_rewards
        return self.one(select(mr).where(mr.c.external_id == external_id))

    def coupon(self, coupon_id: int) -> RowMapping | None:
        return self.one(select(t.coupons).where(t.coupons.c.id == coupon_id))

    def insert_manual_reward(self, **values: Any) -> None:
        self.conn.execute(insert(t.manual_rewards).values(**values))

    # --- queries -----------------------------------------------------------------------
    def find_customers(self, text: str, limit: int) -> list[dict[str, object]]:
        """Customers whose id, name or email contains `text` (any case), or whose card
        number is `text`; by id, at most `limit`."""
        c, cards = t.customers, t.cards
        stmt = (select(c.c.id, c.c.name, c.c.email, c.c.type, c.c.status)
                .order_by(c.c.id).limit(limit))
        if text:
            like = f"%{text.lower()}%"
            by_card = select(cards.c.customer_id).where(cards.c.number == text)
            stmt = stmt.where(or_(func.lower(c.c.id).like(like), func.lower(c.c.name).like(like),
                                  func.lower(c.c.email).like(like), c.c.id.in_(by_card)))
        return [dict(r) for r in self.conn.execute(stmt).mappings()]

    # --- enrollment --------------------------------------------------------------------
    def selected_customers(self, *, customer_type: str | None, status: str | None,
                           program: str | None, enrolled: bool | None,
                           purchased_since: dt.date | None) -> list[str]:
        """E3's selection (`core.enrolling.selected`) in SQL: customer ids, in order."""
        c, e, inv = t.customers, t.enrollments, t.invoices
        stmt = select(c.c.id)
        if customer_type is not None:
            stmt = stmt.where(c.c.type == customer_type)
        if status is not None:
            stmt = stmt.where(c.c.status == status)
        has_open = exists().where(and_(e.c.customer_id == c.c.id, e.c.status == "open"))
        if program is not None:
            stmt = stmt.where(exists().where(and_(e.c.customer_id == c.c.id,
                                                  e.c.status == "open",
                                                  e.c.program_id == program)))
        if enrolled is True:
            stmt = stmt.where(has_open)
        elif enrolled is False:
            stmt = stmt.where(~has_open)
        if purchased_since is not None:
            stmt = stmt.where(exists().where(and_(inv.c.customer_id == c.c.id,
                                                  inv.c.date >= purchased_since,
                                                  inv.c.status == "posted")))
        return [r[0] for r in self.conn.execute(stmt.order_by(c.c.id))]

    def deactivate_card(self, number: str) -> None:
        self.conn.execute(t.cards.update().where(t.cards.c.number == number)
                          .values(active=False))

    def add_card(self, number: str | None, customer_id: str, day: dt.date) -> None:
        self.conn.execute(t.cards.insert().values(number=number, customer_id=customer_id,
                                                  active=True, added_on=day))

    # --- maintenance: the daily run split by customer range (run_parts.py) -------------
    def open_split_run(self) -> int | None:
        return run_parts.open_run(self.conn)

    def split_run_date(self, run_id: int) -> dt.date | None:
        return run_parts.run_date(self.conn, run_id)

    def customer_count(self) -> int:
        return run_parts.customer_count(self.conn)

    def customer_ranges(self, parts: int) -> list[CustomerRange]:
        return run_parts.ranges(self.conn, parts)

    def insert_run_parts(self, run_id: int, days: list[dt.date], ranges: list[CustomerRange],
                         store: int | None, user: str | None) -> None:
        run_parts.insert_parts(self.conn, run_id, days, ranges, store, user)

    def claim_run_part(self, run_id: int) -> RowMapping | None:
        return run_parts.claim(self.conn, run_id)

    @staticmethod
    def customers_of_part(part: RowMapping) -> CustomerRange:
        return CustomerRange(part["first_customer"], part["end_customer"])

    def finish_run_part(self, part: RowMapping, holder: str, at: dt.datetime,
                        counts: dict[str, int]) -> None:
        run_parts.finish(self.conn, part, holder, at, counts)

    def lock_split_run(self, run_id: int) -> None:
        run_parts.lock_run(self.conn, run_id)

    def open_run_parts(self, run_id: int, day: dt.date | None = None) -> int:
        return run_parts.open_parts(self.conn, run_id, day)

    def run_part_tally(self, run_id: int) -> tuple[list[dt.date], Counter[str]]:
        return run_parts.tally(self.conn, run_id)

    # --- campaigns (K1-K7) -------------------------------------------------------------
    def campaign(self, campaign_id: str, lock: bool = False) -> RowMapping | None:
        stmt = select(campaigns).where(campaigns.c.id == campaign_id)
        return self.one(stmt.with_for_update() if lock else stmt)

    def campaigns_newest_first(self, program_id: str | None = None) -> list[RowMapping]:
        """Every campaign (of the program, if one is named), newest first."""
        stmt = select(campaigns).order_by(campaigns.c.created_at.desc(), campaigns.c.id)
        if program_id:
            stmt = stmt.where(campaigns.c.program_id == program_id)
        return self.all(stmt)

    def campaign_budget(self, campaign_id: str, lock: bool) -> RowMapping | None:
        """The campaign's budget, given and status, locked for update when `lock`."""
        c = campaigns.c
        stmt = select(c.budget, c.given, c.status).where(c.id == campaign_id)
        return self.one(stmt.with_for_update() if lock else stmt)

    def add_campaign_given(self, campaign_id: str, points: int) -> RowMapping | None:
        """Count `points` more given by the campaign: its given and budget after."""
        c = campaigns.c
        return self.conn.execute(
            update(campaigns).where(c.id == campaign_id)
            .values(given=c.given + points).returning(c.given, c.budget)).mappings().first()

    def insert_campaign(self, **values: Any) -> None:
        self.conn.execute(insert(campaigns).values(**values))

    def update_campaign(self, campaign_id: str, values: dict[str, Any]) -> None:
        self.conn.execute(update(campaigns).where(campaigns.c.id == campaign_id).values(**values))

    def next_program_version(self, program_id: str) -> None:
        """Move the program's version on (every process then reads it afresh)."""
        p = t.programs
        self.conn.execute(update(p).where(p.c.id == program_id).values(version=p.c.version + 1))

    # --- tiers (issue 23 item 1; tier_queries.py holds the SQL) ------------------------
    def tier_standing(self, enrollment_id: int) -> Standing:
        """The enrollment's standing, read once per unit of work (a post reads it for the
        extra, T3, for the move after its points, T4, and for the answer's tier, T9) and
        again after its customer is read anew (`Repository.customer`: the daily run reads
        it under the customer's lock). Every write of it is `save_tier_standing`."""
        known: dict[int, Standing] = self._memo.setdefault("tier standing", {})
        if enrollment_id not in known:
            known[enrollment_id] = tier_queries.standing(self.conn, enrollment_id)
        return known[enrollment_id]

    @staticmethod
    def tier_standing_of(row: RowMapping) -> Standing:
        return tier_queries.standing_of(row)

    def save_tier_standing(self, enrollment_id: int, customer_id: str, program_id: str,
                           now: Standing) -> None:
        tier_queries.save_standing(self.conn, enrollment_id, customer_id, program_id, now)
        self._memo.setdefault("tier standing", {})[enrollment_id] = now

    def tier_qualifying(self, measure: str, pairs: Iterable[tuple[int, str]],
                        first: dt.date, last: dt.date) -> dict[int, Decimal]:
        return tier_queries.qualifying(self.conn, measure, pairs, first, last)

    def tier_holders(self, program_id: str, day: dt.date, review_all: bool,
                     within: CustomerRange | None) -> list[RowMapping]:
        return tier_queries.holders(self.conn, program_id, day, review_all, within)

    def record_tier_change(self, values: dict[str, Any]) -> None:
        tier_queries.record_change(self.conn, values)

    def tier_changes_of(self, customer_id: str) -> list[RowMapping]:
        return tier_queries.changes_of(self.conn, customer_id)

    def tier_counts(self, program_id: str | None = None) -> list[tuple[str, str, int]]:
        return tier_queries.count_by_tier(self.conn, program_id)
