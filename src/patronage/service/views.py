"""What queries and commands answer: frozen records, safe to hand to any entry point."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Expiring:
    date: dt.date
    points: int


@dataclass(frozen=True)
class Balance:
    """One enrollment's figures as of a date (all zero, program None, with no enrollment)."""

    program: str | None
    program_name: str | None
    as_of: dt.date
    pending: int = 0
    available: int = 0
    earned: int = 0
    adjusted: int = 0
    used: int = 0
    expired: int = 0
    forfeited: int = 0
    value: Decimal | None = None  # points_bank: available x point_value
    expiring: list[Expiring] = field(default_factory=list)
    tier: str | None = None  # issue 23 item 1 (T9): the status tier held; None: none


@dataclass(frozen=True)
class CreditMemoView:
    id: int
    amount: Decimal
    remaining: Decimal
    reason: str | None
    store: int | None
    issued_on: dt.date
    expires: dt.date | None
    status: str


@dataclass(frozen=True)
class CouponView:
    id: int
    amount: Decimal
    issued_on: dt.date
    expires: dt.date | None
    status: str
    applied: Decimal | None
    forfeited: Decimal | None


@dataclass(frozen=True)
class CustomerView:
    id: str
    name: str
    email: str | None
    type: str | None
    status: str | None
    price_group: str | None
    balance: Balance
    credit_memos: list[CreditMemoView]
    coupons: list[CouponView]
    notes: list[str]
    cards: list[tuple[str, bool]]
    # E1 `many`: one balance per open enrollment, oldest first (`balance` is the first)
    balances: list[Balance] = field(default_factory=list)
    # the postal address and phone (core/customers.py CONTACT_FIELDS): letters, the console
    phone: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Earned:
    """An invoice's points in one program (E1 `many`: one per program it earned in)."""

    program: str
    points: int


@dataclass(frozen=True)
class InvoiceView:
    id: str
    store: int
    customer: str | None
    date: dt.date
    type: str
    status: str
    subtotal: Decimal
    loyalty_discount: Decimal
    tax: Decimal
    total: Decimal
    redeemed_rewards: Decimal
    credit_applied: Decimal
    paid: Decimal
    eligible_amount: Decimal
    points: int
    accrued: bool
    receipt_lines: list[tuple[str, Decimal]] = field(default_factory=list)
    # The customer's balance right after the command, read in its own transaction, when
    # the caller asked for it (`with_balance`): what a POS prints on the receipt.
    balance: Balance | None = None
    # Seed 003's "Total Earnable Loyalty Points": what the invoice earns once paid in full
    # (its points once it has accrued). None where a fake or an import did not work it out.
    points_earnable: int | None = None
    # E1: the points by program, oldest enrollment first (`points` is their sum); empty
    # before the invoice accrues
    earned: list[Earned] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """The answer to a write: what it did, for CLI and API output."""

    message: str
    data: dict[str, object] = field(default_factory=dict)
