"""Request bodies and answers of the REST API.

Bodies reuse the command inputs of `service/inputs.py` (the scenario format's field
names); where a path names the customer or invoice, the body is that input less the field
the path gives. Answers are separate output models: money is a decimal string, points are
integers, dates ISO 8601.
"""

from __future__ import annotations

import copy as _copy
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, create_model

from patronage.service import inputs as i
from patronage.service.inputs import Input


def _optional(model: type[Input], *names: str, name: str) -> type[Input]:
    """`model` with every field optional: a PATCH names only what changes."""
    fields: dict[str, Any] = {}
    for k, f in model.model_fields.items():
        if k in names:
            continue
        copy = _copy.copy(f)  # the same validators, without a required default
        copy.default = None
        fields[k] = (Optional[f.annotation], copy)  # noqa: UP045 - a runtime type
    return create_model(name, __base__=Input, **fields)


if TYPE_CHECKING:
    ProgramPatch = Input
else:
    ProgramPatch = _optional(i.ProgramIn, "id", name="ProgramPatch")

# Bodies whose path names one field of a command input: that input less the field, with
# the same types and validators (tests/api/test_schemas.py keeps them in step).


class StoreBody(Input):
    name: i.Name = ""
    active: bool = True


class CustomerBody(Input):
    name: i.Name = ""
    email: i.Email | None = None
    type: i.Code | None = None
    status: i.Code | None = None
    price_group: i.Code | None = None
    phone: i.Phone = None
    address_line1: i.AddressLine = None
    address_line2: i.AddressLine = None
    city: i.Place = None
    region: i.Place = None
    postal_code: i.PostalCode = None
    country: i.Place = None


class EnrollBody(Input):
    program: i.Id
    close_current: bool = False
    date: dt.date | None = None
    user: i.Id | None = None


class AdjustBody(Input):
    points: int | None = Field(default=None, ge=-1_000_000_000, le=1_000_000_000)
    set_balance: int | None = Field(default=None, ge=-1_000_000_000, le=1_000_000_000)
    expires: dt.date | None = None
    reason: i.Reason | None = None
    user: i.Id | None = None
    allow_negative: bool = False
    date: dt.date | None = None
    id: i.Id | None = None
    program: i.Id | None = None  # E1 `many`: which of the customer's programs


class PaymentBody(Input):
    id: i.Id = Field(min_length=1)
    store: i.StoreId
    tender: i.Code = Field(min_length=1)
    amount: i.NonNegMoney
    date: dt.date | None = None


class VoidBody(Input):
    store: i.StoreId | None = None
    date: dt.date | None = None
    user: i.Id | None = None


class ConvertBody(Input):
    store: i.StoreId | None = None
    date: dt.date | None = None


class QuoteBody(i.InvoiceIn):
    """A cart, an estimate or an unposted invoice; `id` may be left out."""

    id: str | None = Field(default=None, max_length=100)  # type: ignore[assignment]


class AwardProcessingBody(Input):
    exclude: i.Names = Field(default_factory=list)
    customers: i.Names | None = None
    user: i.Id | None = None
    store: i.StoreId | None = None
    date: dt.date | None = None
    commit: bool = Field(default=False, description="false: preview who qualifies")


class CardBody(Input):
    number: i.Id = Field(min_length=1)


class BulkEnrollmentBody(Input):
    """Mass enrollment (E3): preview first (commit false), then commit the chosen list."""

    action: Literal["enroll", "unenroll"] = "enroll"
    commit: bool = False
    program: i.Id | None = None
    select: i.SelectIn = i.SelectIn()
    exclude: i.Names = Field(default_factory=list)
    customers: i.Names | None = None
    close_current: bool = False
    date: dt.date | None = None
    user: i.Id | None = None


class WebhookBody(Input):
    url: str = Field(min_length=1, max_length=2000, pattern=r"^https?://[^\s\x00-\x1f\x7f-\x9f]+$")
    events: list[i.Code] = Field(default=[], max_length=20)
    secret: i.Name | None = Field(default=None, min_length=16)


class KeyBody(Input):
    name: i.Id = Field(min_length=1)
    role: Literal["cashier", "manager", "admin"]


# --- answers -------------------------------------------------------------------------------

class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorField(Out):
    field: str
    message: str


class ErrorDetail(Out):
    code: str
    message: str
    fields: list[ErrorField]


class ErrorOut(Out):
    error: ErrorDetail


class Health(Out):
    status: str
    version: str


class Message(Out):
    message: str


class Expiring(Out):
    date: dt.date
    points: int


class _BalanceFigures(Out):
    program: str | None
    program_name: str | None
    as_of: dt.date
    pending: int
    available: int
    earned: int
    adjusted: int
    used: int
    expired: int
    forfeited: int
    value: Decimal | None
    expiring: list[Expiring]
    tier: str | None = Field(default=None, description="issue 23 item 1 (T9): the status "
                             "tier held in this program; null: none, or no tiers")


class ProgramBalanceOut(_BalanceFigures):
    """One enrollment's figures (E1 `many`: one per program the customer is in)."""


class EarnedOut(Out):
    program: str
    points: int


class BalanceOut(_BalanceFigures):
    programs: list[ProgramBalanceOut] = Field(
        default=[], description="E1: the balance of each program the customer is in, oldest "
        "enrollment first; the figures above are the first's (or `?program=`'s)")


class CreditMemoOut(Out):
    id: int
    amount: Decimal
    remaining: Decimal
    reason: str | None
    store: int | None
    issued_on: dt.date
    expires: dt.date | None
    status: str


class CouponOut(Out):
    id: int
    amount: Decimal
    issued_on: dt.date
    expires: dt.date | None
    status: str
    applied: Decimal | None
    forfeited: Decimal | None


class CardOut(Out):
    number: str
    active: bool


class CustomerSummary(Out):
    id: str
    name: str
    email: str | None
    type: str | None
    status: str | None
    price_group: str | None


class CustomerOut(CustomerSummary):
    balance: BalanceOut
    credit_memos: list[CreditMemoOut]
    coupons: list[CouponOut]
    notes: list[str]
    cards: list[CardOut]
    phone: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


class ReceiptLine(Out):
    label: str
    amount: Decimal


class InvoiceOut(Out):
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
    receipt_lines: list[ReceiptLine]
    balance: BalanceOut | None = None
    points_earnable: int | None = Field(
        default=None, description="what the invoice earns once paid in full (seed 003's "
        "total earnable); equals points once it has accrued")
    earned: list[EarnedOut] = Field(
        default=[], description="E1: the points by program (`points` is their sum)")
    customer_link: str | None = Field(  # issue 23 item 5
        default=None, description="with `?link=true`: the customer's own page, for the "
        "receipt (null without a customer or without PATRONAGE_PUBLIC_URL)")


class ReturnOut(Out):
    id: str
    amount: Decimal
    points_taken: int
    balance: BalanceOut | None = None


class QuoteCoupon(Out):
    id: int
    amount: Decimal
    applies: Decimal


class QuoteRedeemLimits(Out):
    """R6-R8 (issue 23 item 2): the program's redemption rules and what they allow here."""

    min_points: int = Field(description="R6: fewest points redeemed at a time (0: none)")
    step_points: int = Field(description="R7: points are redeemed in multiples of this")
    max_share_percent: int = Field(description="R8: most of the invoice points may pay")
    max_amount: Decimal = Field(description="R8's share of this invoice, in money")
    max_points: int = Field(description="the most points redeemable now (`max` in points)")


class QuoteRewards(Out):
    available_points: int
    available_value: Decimal
    max: Decimal = Field(description="the most redeemable now: what `all` takes (C2, R6-R8)")


class QuoteCredit(Out):
    available: Decimal
    max: Decimal


class QuoteExplainLine(Out):
    line: int
    sku: str
    amount: Decimal
    earns: bool
    filter: str | None = Field(description="the first filter the line matched")
    reasons: list[str] = Field(description="why the line earns nothing; empty when it earns")
    rate: str
    points: int = Field(description="the line at the sale's rate on its own; the sale's "
                        "points are worked out once on the sum")


class QuoteOut(Out):
    points: int
    subtotal: Decimal
    tax: Decimal
    loyalty_discount: Decimal
    total: Decimal
    coupons: list[QuoteCoupon]
    rewards: QuoteRewards
    credit_memos: QuoteCredit
    program: str | None
    redeem_limits: QuoteRedeemLimits | None = Field(
        default=None, description="R6-R8: the points bank's redemption limits on this cart")
    points_earnable: int = Field(description="what the sale earns once paid in full (A5); "
                                 "`points` is what posting it earns at once")
    eligible_amount: Decimal
    redeemed_rewards: Decimal = Field(description="the `redeem.rewards` applied, as posting it")
    redeemed_points: int
    credit_applied: Decimal
    paid: Decimal = Field(description="the payments, redeemed rewards (as a tender) and credit")
    amount_due: Decimal = Field(description="the total less what is paid: what is left to pay")
    explain: list[QuoteExplainLine] | None = Field(
        default=None, description="with ?explain=true: why each line earns what it does")
    explain_notes: list[str] | None = None
    earned: list[dict[str, Any]] | None = Field(
        default=None, description="E1 `many`: what the sale earns in each program")


class EnrollmentOut(Out):
    message: str
    balance: BalanceOut


class AdjustmentOut(Out):
    adjustment: str | None
    points: int
    available: int
    repeated: bool = False
    balance: BalanceOut


class BulkPreviewOut(Out):
    action: str
    commit: Literal[False]
    count: int
    customers: list[str]


class BulkCommitOut(Out):
    action: str
    commit: Literal[True]
    message: str
    done: int
    skipped: int
    failed: int
    details: dict[str, Any]


class AwardCandidate(Out):
    customer: str
    name: str
    available: int
    awards: int
    award: str


class AwardPreviewOut(Out):
    commit: Literal[False]
    customers: list[AwardCandidate]


class AwardCommitOut(Out):
    commit: Literal[True]
    message: str
    customers: int
    awards: int
    processed: list[str]


class RunOut(Out):
    id: int
    for_date: dt.date
    user: str | None
    store: int | None
    started_at: dt.datetime
    summary: dict[str, Any]


class MaintenanceOut(Out):
    message: str
    summary: dict[str, Any]


class LedgerEntry(Out):
    id: int
    date: dt.date
    kind: str
    points: int
    program: str
    lot: int | None
    invoice: str | None
    award: int | None
    ref: str | None
    user: str | None
    reason: str | None
    recorded_at: dt.datetime


class StoreOut(Out):
    id: int
    name: str
    active: bool


class ShopOut(Out):
    name: str
    currency: str
    allow_credit_for_gift_cards: bool
    programs_per_customer: str = Field(default="one", description="E1: `one` open enrollment "
                                       "per customer, or `many` (one per program)")
    stores: list[StoreOut]


class WebhookOut(Out):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: dt.datetime
    created_by: str | None


class WebhookCreated(WebhookOut):
    secret: str


class DeliveryOut(Out):
    id: int
    event_id: int
    event_type: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_status: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


class KeyOut(Out):
    id: int
    name: str
    role: str
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class KeyCreated(KeyOut):
    key: str


class AuditOut(Out):
    id: int
    at: dt.datetime
    key_id: int | None
    key_name: str | None
    method: str
    path: str
    status: int
    idempotency_key: str | None


def page_of(item: type[BaseModel], name: str) -> type[BaseModel]:
    """A page of a list: the items and the cursor of the next page (null at the end)."""
    return create_model(name, __base__=Out, items=(list[item], ...),  # type: ignore[valid-type]
                        next=(str | None, None))


CustomerPage = page_of(CustomerSummary, "CustomerPage")
LedgerPage = page_of(LedgerEntry, "LedgerPage")
CreditMemoPage = page_of(CreditMemoOut, "CreditMemoPage")
CouponPage = page_of(CouponOut, "CouponPage")
RunPage = page_of(RunOut, "RunPage")
DeliveryPage = page_of(DeliveryOut, "DeliveryPage")
AuditPage = page_of(AuditOut, "AuditPage")


# --- credit memos and coupons by hand (issue 21 item 7; service/rewards_manual.py) ---------

class CreditMemoIssueBody(Input):
    amount: i.Money = Field(description="above 0")
    reason: i.Code | None = Field(default=None, description="one of the shop's reasons: its "
                                  "account is debited (default loyalty_awards)")
    expires: i.MaybeDate = Field(default=None, description="a date after the issue, or never")
    expire_days: i.MaybeDays = Field(default=None, description="or days after the issue")
    store: i.StoreId | None = Field(default=None, description="default the lowest active store")
    note: i.Note | None = None
    user: i.Id | None = None
    date: dt.date | None = None
    id: i.Id | None = Field(default=None, min_length=1,
                            description="your id: the same body again issues once")


class CouponIssueBody(Input):
    amount: i.Money = Field(description="above 0: a pre-tax discount on the next sale")
    reason: i.Code | None = Field(default=None, description="one of the shop's reasons: its "
                                  "account is debited (default loyalty_awards)")
    expires: i.MaybeDate = Field(default=None, description="a date after the issue, or never")
    expire_days: i.MaybeDays = Field(default=None, description="or days after the issue")
    note: i.Note | None = None
    user: i.Id | None = None
    date: dt.date | None = None
    id: i.Id | None = Field(default=None, min_length=1,
                            description="your id: the same body again issues once")


class RewardCancelBody(Input):
    note: i.Note | None = None
    user: i.Id | None = None
    date: dt.date | None = None


class RewardOut(Out):
    kind: Literal["credit_memo", "coupon"]
    customer: str
    credit_memo: CreditMemoOut | None = None
    coupon: CouponOut | None = None
    repeated: bool = False
