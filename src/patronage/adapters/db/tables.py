"""Every table of Patronage, as SQLAlchemy Core. Migrations are generated from these.

History tables (ledger, journal, uses) are append-only. `lots.remaining`,
`enrollments.debt`, `enrollment_totals` and `credit_memos.remaining` are caches of sums of
entries, kept in the same transaction as the entries; `patronage check` proves they agree.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from patronage.adapters.db.types import ExactDecimal, Money

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER only

shop = Table(
    "shop",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, default="Shop"),
    Column("currency", String(3), nullable=False, default="USD"),
    Column("allow_credit_for_gift_cards", Boolean, nullable=False, default=False),
    Column("first_activity", Date),
    # 0009_many_programs: E1, "one" (seed 001) or "many" (seed 002, 003) open enrollments
    Column("programs_per_customer", String(4), nullable=False, default="one",
           server_default="one"),
)

stores = Table(
    "stores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

statuses = Table(
    "statuses",
    metadata,
    Column("code", String(50), primary_key=True),
    Column("include_in_loyalty", Boolean, nullable=False, default=True),
)

reasons = Table(
    "reasons",
    metadata,
    Column("code", String(50), primary_key=True),
    Column("account", String(50), nullable=False),
)

price_groups = Table(
    "price_groups",
    metadata,
    Column("code", String(50), primary_key=True),
    Column("discount_percent", ExactDecimal, nullable=False),
)

employees = Table(
    "employees",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("store_id", Integer),
)

event_subscribers = Table(
    "event_subscribers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event", String(100), nullable=False),
    Column("email", String(320), nullable=False),
    UniqueConstraint("event", "email"),
)

customers = Table(
    "customers",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320)),
    Column("type", String(50)),
    Column("status", String(50)),
    Column("price_group", String(50)),
    # 0008_contact_comments: the postal address and phone printed letters need
    Column("phone", String(50)),
    Column("address_line1", String(200)),
    Column("address_line2", String(200)),
    Column("city", String(100)),
    Column("region", String(100)),
    Column("postal_code", String(20)),
    Column("country", String(100)),
    Index("ix_customers_name", "name"),
    Index("ix_customers_email", "email"),
)

customer_notes = Table(
    "customer_notes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("customer_id", String(100), ForeignKey("customers.id"), nullable=False, index=True),
    Column("date", Date, nullable=False),
    Column("text", Text, nullable=False),
    Column("user", String(100)),
)

cards = Table(
    "cards",
    metadata,
    Column("number", String(100), primary_key=True),
    Column("customer_id", String(100), ForeignKey("customers.id"), nullable=False, index=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("added_on", Date),
)

programs = Table(
    "programs",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("status", String(10), nullable=False),
    Column("effective", Date, nullable=False),
    Column("expires", Date),
    Column("accrue_on", String(20), nullable=False),
    Column("cash_equivalent_only", Boolean, nullable=False, default=False),
    Column("start_date", Date),
    Column("eligible_statuses", JSON, nullable=False),
    Column("award_processing", String(10), nullable=False, default="automatic"),
    Column("grace_days", Integer, nullable=False, default=0),
    Column("points_expire_days", Integer),
    Column("enrollment_basis", String(20)),
    Column("calendar_start", Date),
    Column("duration_months", Integer),
    Column("point_value", ExactDecimal),
    Column("may_pay_sales_tax", Boolean, nullable=False, default=False),
    Column("may_pay_gift_cards", Boolean, nullable=False, default=False),
    Column("redeem_as", String(10)),
    Column("report_in_sale_code", String(50)),
    Column("version", Integer, nullable=False, default=1),
    Column("comments", Text),  # 0008_contact_comments: seed 001's "Comments"
    # 0011_reminders: reminder days (JSON lists of ints; null: none) and R5
    Column("remind_points_expiring_days", JSON),
    Column("remind_credit_expiring_days", JSON),
    Column("return_restores_redemption", Boolean, nullable=False, default=False),
    # 0012_redemption_rules: R6-R8 (0, 1, 100: no rule)
    Column("redeem_min_points", Integer, nullable=False, default=0),
    Column("redeem_step_points", Integer, nullable=False, default=1),
    Column("redeem_max_share_percent", Integer, nullable=False, default=100),
)

program_filters = Table(
    "program_filters",
    metadata,
    Column("program_id", String(100), ForeignKey("programs.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("effective", Date),
    Column("expires", Date),
    Column("criteria", JSON, nullable=False),
    Column("whiteboard", Text),  # 0008_contact_comments: seed 001's notes on a filter
)

program_rates = Table(
    "program_rates",
    metadata,
    Column("program_id", String(100), ForeignKey("programs.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("method", String(20), nullable=False),  # multiplier | percent_tier
    Column("name", String(200)),
    Column("effective", Date),
    Column("expires", Date),
    Column("transaction_types", JSON),
    Column("currency_per_point", ExactDecimal),
    Column("up_to", ExactDecimal),
    Column("percent", ExactDecimal),
    Column("whiteboard", Text),  # 0008_contact_comments: notes on a multiplier
)

program_awards = Table(
    "program_awards",
    metadata,
    Column("program_id", String(100), ForeignKey("programs.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("effective", Date),
    Column("expires", Date),
    Column("level", Integer),
    Column("level_from", Integer),
    Column("level_to", Integer),
    Column("actions", JSON, nullable=False),
    Column("whiteboard", Text),  # 0008_contact_comments: notes on an award
)

enrollments = Table(
    "enrollments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("customer_id", String(100), ForeignKey("customers.id"), nullable=False),
    Column("program_id", String(100), ForeignKey("programs.id"), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("status", String(10), nullable=False),  # open | closed
    Column("closed_on", Date),
    Column("period_start", Date),  # program_end: start of the open period
    Column("period_end", Date),  # program_end: the day the open period is evaluated
    Column("debt", BigInteger, nullable=False, default=0),  # cache: sum of lot-less entries
    # 0004_ops cache: the sum of all its entries (= its lots' remaining + debt)
    Column("held", BigInteger, nullable=False, default=0, server_default="0"),
    Index("ix_enrollments_customer_status", "customer_id", "status"),
    Index("ix_enrollments_program_status", "program_id", "status"),
    Index("ix_enrollments_period_end", "period_end"),
    Index("ix_enrollments_in_debt", "id", sqlite_where=text("debt < 0"),  # 0004_ops
          postgresql_where=text("debt < 0")),
    Index("ix_enrollments_program_held", "program_id", "held"),  # 0004_ops
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("store_id", Integer, nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("customer_id", String(100), ForeignKey("customers.id"), index=True),
    Column("date", Date, nullable=False),
    Column("type", String(50), nullable=False),
    Column("job_type", String(50)),
    Column("body_hash", String(64), nullable=False),
    Column("status", String(10), nullable=False),  # posted | voided
    Column("voided_on", Date),
    Column("converted_on", Date),  # a layaway turned into a sale
    Column("subtotal", Money, nullable=False),
    Column("loyalty_discount", Money, nullable=False),
    Column("tax", Money, nullable=False),
    Column("total", Money, nullable=False),
    Column("redeemed_rewards", Money, nullable=False),
    Column("credit_applied", Money, nullable=False),
    Column("paid", Money, nullable=False),
    Column("returned_value", Money, nullable=False),
    Column("enrollment_id", Id),
    Column("rate", JSON),  # the earning rule in force on the invoice date (R1)
    Column("eligible_amount", Money, nullable=False),
    Column("points", Integer, nullable=False),
    Column("accrued", Boolean, nullable=False, default=False),
    Column("accrual_date", Date),
    Column("lot_id", Id),
    UniqueConstraint("store_id", "external_id"),
    Index("ix_invoices_external_id", "external_id"),
)

# 0009_many_programs: with `programs_per_customer: many`, an invoice's share in each
# enrollment it earns in (E1): what `invoices.points`, `lot_id`, `rate`... hold for one.
invoice_earnings = Table(
    "invoice_earnings",
    metadata,
    Column("invoice_id", Id, ForeignKey("invoices.id"), primary_key=True),
    Column("enrollment_id", Id, ForeignKey("enrollments.id"), primary_key=True),
    Column("program_id", String(100), nullable=False),
    Column("accrual_date", Date, nullable=False),
    Column("points", Integer, nullable=False),
    Column("lot_id", Id),
    Column("rate", JSON, nullable=False),
    Column("eligible_amount", Money, nullable=False),
    Column("lines", JSON, nullable=False),  # the line numbers this program's filters let in
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("invoice_id", Id, ForeignKey("invoices.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("sku", String(100), nullable=False),
    Column("item_type", String(50), nullable=False),
    Column("product_line", String(100)),
    Column("sub_department", String(100)),
    Column("vendor", String(100)),
    Column("manufacturer", String(100)),
    Column("qty", ExactDecimal, nullable=False),
    Column("price", ExactDecimal, nullable=False),
    Column("discount", Money, nullable=False),
    Column("amount", Money, nullable=False),
    Column("eligible", Boolean, nullable=False),
    Column("returned_qty", ExactDecimal, nullable=False),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("store_id", Integer, nullable=False),
    Column("external_id", String(100)),  # null for tenders given with the invoice itself
    Column("invoice_id", Id, ForeignKey("invoices.id"), nullable=False, index=True),
    Column("date", Date, nullable=False),
    Column("tender", String(50), nullable=False),
    Column("amount", Money, nullable=False),
    Column("body_hash", String(64)),
    UniqueConstraint("store_id", "external_id"),
)

returns = Table(
    "returns",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("store_id", Integer, nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("invoice_id", Id, ForeignKey("invoices.id"), index=True),
    Column("customer_id", String(100), ForeignKey("customers.id")),
    Column("date", Date, nullable=False),
    Column("amount", Money, nullable=False),
    Column("points_taken", Integer, nullable=False),
    Column("body_hash", String(64), nullable=False),
    UniqueConstraint("store_id", "external_id"),
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("return_id", Id, ForeignKey("returns.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("sku", String(100), nullable=False),
    Column("qty", ExactDecimal, nullable=False),
    Column("price", ExactDecimal),
    Column("item_type", String(50)),
)

lots = Table(
    "lots",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("enrollment_id", Id, ForeignKey("enrollments.id"), nullable=False),
    Column("customer_id", String(100), nullable=False),
    Column("source", String(20), nullable=False),  # accrual | adjustment
    Column("invoice_id", Id),
    Column("accrual_date", Date, nullable=False),
    Column("available_on", Date, nullable=False),
    Column("expires_on", Date),
    Column("points", BigInteger, nullable=False),
    Column("remaining", BigInteger, nullable=False),  # cache: sum of this lot's entries
    Index("ix_lots_enrollment", "enrollment_id"),
    Index("ix_lots_expires_on", "expires_on"),
    Index("ix_lots_available_on", "available_on"),
    # 0004_ops: live lots only, so the daily run and a balance never walk spent history
    Index("ix_lots_live_expires_on", "expires_on", sqlite_where=text("remaining > 0"),
          postgresql_where=text("remaining > 0")),
    Index("ix_lots_live_enrollment", "enrollment_id", sqlite_where=text("remaining > 0"),
          postgresql_where=text("remaining > 0")),
)

ledger = Table(
    "ledger",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("enrollment_id", Id, ForeignKey("enrollments.id"), nullable=False),
    Column("customer_id", String(100), nullable=False),
    Column("date", Date, nullable=False),
    # accrual reversal adjustment award award_cancel period_close redemption restore
    # return_restore expiry forfeit debt_payoff
    Column("kind", String(20), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("lot_id", Id),  # null: the enrollment's debt account (L5)
    Column("invoice_id", Id),
    Column("award_id", Id),
    Column("ref", String(200)),
    Column("user", String(100)),
    Column("reason", String(200)),
    Column("recorded_at", DateTime, nullable=False),
    Index("ix_ledger_enrollment", "enrollment_id"),
    Index("ix_ledger_lot", "lot_id"),
    Index("ix_ledger_invoice", "invoice_id"),
)

enrollment_totals = Table(  # 0004_ops: cache, the sum of an enrollment's entries by kind
    "enrollment_totals",
    metadata,
    Column("enrollment_id", Id, ForeignKey("enrollments.id"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("points", BigInteger, nullable=False),
    Column("last_on", Date, nullable=False),  # the latest date of an entry of this kind
)

awards = Table(
    "awards",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("enrollment_id", Id, ForeignKey("enrollments.id"), nullable=False, index=True),
    Column("customer_id", String(100), nullable=False, index=True),
    Column("program_id", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("date", Date, nullable=False),
    Column("store_id", Integer),
    Column("points", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),  # granted | cancelled
    Column("trigger", String(20), nullable=False),  # accrual | maintenance | manual | period
    Column("actions", JSON, nullable=False),
    Column("user", String(100)),
)

credit_memos = Table(
    "credit_memos",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("customer_id", String(100), ForeignKey("customers.id"), nullable=False, index=True),
    Column("award_id", Id),
    Column("amount", Money, nullable=False),
    Column("remaining", Money, nullable=False),  # cache: amount less uses
    Column("reason", String(50)),
    Column("store_id", Integer),
    Column("issued_on", Date, nullable=False),
    Column("expires_on", Date),
    Column("status", String(10), nullable=False),  # open | used | expired | cancelled
    Index("ix_credit_memos_expires_on", "expires_on"),
    Index("ix_credit_memos_status_expires_on", "status", "expires_on"),  # 0004_ops
)

credit_memo_uses = Table(
    "credit_memo_uses",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("memo_id", Id, ForeignKey("credit_memos.id"), nullable=False, index=True),
    Column("invoice_id", Id, index=True),
    Column("date", Date, nullable=False),
    Column("amount", Money, nullable=False),  # positive use, negative restore
)

coupons = Table(
    "coupons",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("customer_id", String(100), ForeignKey("customers.id"), nullable=False, index=True),
    Column("award_id", Id),
    Column("amount", Money, nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("expires_on", Date),
    Column("status", String(10), nullable=False),  # open | used | expired | cancelled
    Column("invoice_id", Id),  # the sale it applied to
    Column("applied", Money),
    Column("forfeited", Money),
    Index("ix_coupons_status_expires_on", "status", "expires_on"),  # 0004_ops
    Column("reason", String(50)),  # 0007_manual_rewards: its journal account (G1); none: an award's
)

adjustments = Table(
    "adjustments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("enrollment_id", Id, ForeignKey("enrollments.id"), nullable=False, index=True),
    Column("customer_id", String(100), nullable=False),
    Column("date", Date, nullable=False),
    Column("points", BigInteger, nullable=False),  # the delta posted
    Column("set_balance", BigInteger),
    Column("expires", Date),
    Column("reason", String(200)),
    Column("user", String(100)),
    Column("external_id", String(100), unique=True),
)

journal_entries = Table(
    "journal_entries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("date", Date, nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("memo", String(300)),
    Column("reference", String(200)),
    Column("customer_id", String(100)),
)

journal_postings = Table(
    "journal_postings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("entry_id", Id, ForeignKey("journal_entries.id"), nullable=False, index=True),
    Column("account", String(100), nullable=False),
    Column("debit", Money, nullable=False),
    Column("credit", Money, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel", String(20), nullable=False),  # email | letter | webhook
    Column("event", String(100), nullable=False),
    Column("recipient", String(500)),
    Column("subject", String(300)),
    Column("template", String(200)),
    Column("payload", JSON, nullable=False),
    Column("status", String(10), nullable=False),  # queued | sent
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime),
    Column("last_error", Text),
    Column("created_on", Date, nullable=False),
    Column("sent_at", DateTime),
    Index("ix_outbox_status", "status"),
)

events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("type", String(50), nullable=False),
    Column("date", Date, nullable=False),
    Column("customer_id", String(100)),
    Column("payload", JSON, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)

maintenance_runs = Table(
    "maintenance_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("for_date", Date, nullable=False),
    Column("user", String(100)),
    Column("store_id", Integer),
    Column("started_at", DateTime, nullable=False),
    Column("summary", JSON, nullable=False),
)

maintenance_days = Table(
    "maintenance_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("run_id", Id, nullable=False),
)

manual_rewards = Table(  # 0007_manual_rewards: credit memos and coupons issued or cancelled by hand
    "manual_rewards",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("external_id", String(100), unique=True),  # the caller's id: a repeat is one issue
    Column("action", String(10), nullable=False),  # issue | cancel
    Column("kind", String(20), nullable=False),  # credit_memo | coupon
    Column("memo_id", Id, ForeignKey("credit_memos.id"), index=True),
    Column("coupon_id", Id, ForeignKey("coupons.id"), index=True),
    Column("customer_id", String(100), nullable=False, index=True),
    Column("date", Date, nullable=False),
    Column("amount", Money, nullable=False),  # issued, or the remaining amount cancelled
    Column("reason", String(50)),
    Column("expires_on", Date),
    Column("note", Text),
    Column("user", String(100)),
    Column("body_hash", String(64)),
    Column("recorded_at", DateTime, nullable=False),
)
