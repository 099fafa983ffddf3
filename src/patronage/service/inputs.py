"""Typed inputs of every command, with the field names of the scenario format.

The scenario runner, the CLI and the REST API all parse bodies with these models, so a
field means the same everywhere. Unknown keys are refused. Money is a string ("25.00");
a float is refused so that no binary rounding can creep in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from patronage.core.errors import PatronageError, Problem
from patronage.core.money import CENT, MAX_MONEY, D


def _exact(value: Any) -> Any:
    if type(value) is str:  # the usual case, first: a plain finite number as text
        try:
            d = Decimal(value)
        except ArithmeticError:
            d = None
        if d is not None and d.is_finite():
            return d
    if isinstance(value, (float, bool)):
        # pydantic reports ValueError as a field error; a TypeError would escape it
        raise ValueError("write numbers as strings, e.g. \"25.00\"")  # noqa: TRY004
    if isinstance(value, (int, str, Decimal)):
        try:
            return D(value)
        except (ValueError, TypeError) as exc:
            raise ValueError(str(exc)) from None
    return value


def _money(value: Any) -> Any:
    d = _exact(value)
    if isinstance(d, Decimal):
        if abs(d) > MAX_MONEY:  # first: quantizing "1e30" overflows the decimal context
            raise ValueError("amount is too large")
        cents = d.quantize(CENT)
        if d != cents:
            raise ValueError("money has at most two decimals")
        return cents
    return d


def _never(value: Any) -> Any:
    return None if value in ("never", "", None) else value


# A range is given before the conversion so that pydantic checks it on the decimal itself,
# in its own code; given after, it would wrap the conversion in a Python check of its own
# (two per field: most of the time an invoice's lines took to check).
Exact = Annotated[Decimal, BeforeValidator(_exact)]
Money = Annotated[Decimal, BeforeValidator(_money)]
NonNegMoney = Annotated[Decimal, Field(ge=0), BeforeValidator(_money)]
Qty = Annotated[Decimal, Field(gt=0, le=1_000_000), BeforeValidator(_exact)]
Price = Annotated[Decimal, Field(ge=0, le=MAX_MONEY), BeforeValidator(_exact)]
MaybeDate = Annotated[dt.date | None, BeforeValidator(_never)]
MaybeDays = Annotated[Annotated[int, Field(ge=0, le=36500)] | None, BeforeValidator(_never)]
AmountOrAll = Annotated[Decimal | Literal["all"], BeforeValidator(lambda v: v if v == "all" else _money(v))]
Names = list[str]
StoreId = Annotated[int, Field(ge=1, le=2_000_000_000)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- shop -----------------------------------------------------------------------------


class StoreIn(Input):
    id: int = Field(ge=1, le=2_000_000_000)
    name: str = ""
    active: bool = True


class StatusIn(Input):
    code: str = Field(min_length=1)
    include_in_loyalty: bool = True


class ReasonIn(Input):
    code: str = Field(min_length=1)
    account: str = Field(min_length=1)


class PriceGroupIn(Input):
    code: str = Field(min_length=1)
    discount_percent: Exact = Decimal(0)


class EmployeeIn(Input):
    id: str = Field(min_length=1)
    email: str
    store: StoreId | None = None


class SubscriberIn(Input):
    email: str
    event: str = "award_earned"


class ShopIn(Input):
    name: str = "Shop"
    currency: str = Field(default="USD", min_length=3, max_length=3)
    auto_maintenance: bool = True  # read by the scenario runner only
    allow_credit_for_gift_cards: bool = False
    stores: list[StoreIn] = []
    statuses: list[StatusIn] = []
    reasons: list[ReasonIn] = []
    price_groups: list[PriceGroupIn] = []
    employees: list[EmployeeIn] = []
    subscribers: list[SubscriberIn] = []


# --- programs -------------------------------------------------------------------------


class FilterIn(Input):
    name: str
    effective: MaybeDate = None
    expires: MaybeDate = None
    whiteboard: str | None = None
    transaction_types: Names = []
    stores: list[int] = []
    job_types: Names = []
    vendors: Names = []
    manufacturers: Names = []
    product_lines: Names = []
    sub_departments: Names = []
    item_types: Names = []
    items: Names = []
    exclude_item_types: Names = []
    min_qty: Exact | None = None


class MultiplierIn(Input):
    name: str
    effective: MaybeDate = None
    expires: MaybeDate = None
    whiteboard: str | None = None
    transaction_types: Names = []
    currency_per_point: Exact


class TierIn(Input):
    up_to: Exact | None = None
    percent: Exact


class CreditMemoAction(Input):
    amount: NonNegMoney
    expire_days: MaybeDays = None
    reason: str | None = None


class CouponAction(Input):
    amount: NonNegMoney
    expire_days: MaybeDays = None


class NotifyAction(Input):
    employees: Names = []
    subscribers: bool = False
    letter_template: str | None = None


class AwardIn(Input):
    name: str
    effective: MaybeDate = None
    expires: MaybeDate = None
    whiteboard: str | None = None
    level: int | None = None
    level_from: int | None = None
    level_to: int | None = None
    credit_memo: CreditMemoAction | None = None
    coupon: CouponAction | None = None
    price_group: str | None = None
    notify: NotifyAction | None = None


class ProgramIn(Input):
    id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1)
    kind: Literal["points_bank", "recurring", "program_end"]
    status: Literal["draft", "open", "closed"] = "draft"
    effective: dt.date
    expires: MaybeDate = None
    accrue_on: Literal["invoice", "paid_in_full"] = "invoice"
    cash_equivalent_only: bool = False
    start_date: dt.date | None = None
    eligible_statuses: Names = []
    award_processing: Literal["automatic", "manual"] = "automatic"
    grace_days: int = Field(default=0, ge=0, le=3650)
    points_expire_days: MaybeDays = None
    enrollment_basis: Literal["enrolled_date", "calendar"] | None = None
    calendar_start: dt.date | None = None
    duration_months: int | None = Field(default=None, ge=1, le=1200)
    point_value: Exact | None = None
    may_pay_sales_tax: bool = False
    may_pay_gift_cards: bool = False
    redeem_as: Literal["payment", "discount"] = "payment"
    report_in_sale_code: str | None = None
    filters: list[FilterIn] = []
    multipliers: list[MultiplierIn] = []
    percent_tiers: list[TierIn] = []
    awards: list[AwardIn] = []


# --- customers, cards, enrollment ------------------------------------------------------


class CustomerIn(Input):
    id: str = Field(min_length=1, max_length=100)
    name: str = ""
    email: str | None = None
    type: str | None = None
    status: str | None = None
    price_group: str | None = None


class EnrollIn(Input):
    customer: str
    program: str
    close_current: bool = False
    date: dt.date | None = None
    user: str | None = None


class UnenrollIn(Input):
    customer: str
    date: dt.date | None = None
    user: str | None = None


class SelectIn(Input):
    type: str | None = None
    status: str | None = None
    enrolled: bool | None = None
    program: str | None = None  # currently enrolled in this program
    purchased_since: dt.date | None = None


class MassEnrollIn(Input):
    program: str
    select: SelectIn = SelectIn()
    exclude: Names = []
    customers: Names | None = None  # an explicit list chosen from a preview
    close_current: bool = False
    date: dt.date | None = None
    user: str | None = None


class MassUnenrollIn(Input):
    select: SelectIn = SelectIn()
    exclude: Names = []
    customers: Names | None = None
    date: dt.date | None = None
    user: str | None = None


class CardIn(Input):
    customer: str | None = None
    add: str | None = None
    deactivate: str | None = None
    date: dt.date | None = None


# --- POS documents ---------------------------------------------------------------------


class LineIn(Input):
    sku: str = Field(min_length=1, max_length=100)
    item_type: str = "product"
    product_line: str | None = None
    sub_department: str | None = None
    vendor: str | None = None
    manufacturer: str | None = None
    qty: Qty
    price: Price
    discount: NonNegMoney = Decimal("0.00")


class TenderIn(Input):
    tender: str = Field(min_length=1)
    amount: NonNegMoney


class RedeemIn(Input):
    rewards: AmountOrAll | None = None
    credit_memos: AmountOrAll | None = None


class InvoiceIn(Input):
    id: str = Field(min_length=1, max_length=100)
    customer: str | None = None
    store: StoreId
    date: dt.date | None = None
    type: str = "sale"
    job_type: str | None = None
    lines: list[LineIn] = Field(default=[], max_length=10_000)
    tax: NonNegMoney = Decimal("0.00")
    payments: list[TenderIn] = []
    redeem: RedeemIn | None = None


class PaymentIn(Input):
    id: str = Field(min_length=1, max_length=100)
    invoice: str
    store: StoreId
    tender: str = Field(min_length=1)
    amount: NonNegMoney
    date: dt.date | None = None


class ReturnLineIn(Input):
    sku: str
    qty: Qty
    price: Price | None = None
    item_type: str = "product"


class ReturnIn(Input):
    id: str = Field(min_length=1, max_length=100)
    invoice: str | None = None
    customer: str | None = None
    store: StoreId
    lines: list[ReturnLineIn] = Field(min_length=1)
    date: dt.date | None = None


class VoidIn(Input):
    invoice: str
    store: StoreId | None = None
    date: dt.date | None = None
    user: str | None = None


class ConvertIn(Input):
    invoice: str
    store: StoreId | None = None
    date: dt.date | None = None


class AdjustIn(Input):
    customer: str
    points: int | None = Field(default=None, ge=-1_000_000_000, le=1_000_000_000)
    set_balance: int | None = Field(default=None, ge=-1_000_000_000, le=1_000_000_000)
    expires: dt.date | None = None
    reason: str | None = None
    user: str | None = None
    allow_negative: bool = False
    date: dt.date | None = None
    id: str | None = None  # an external id, for idempotent bulk files


class MaintenanceIn(Input):
    date: dt.date | None = None
    user: str | None = None
    store: StoreId | None = None


class ProcessAwardsIn(Input):
    program: str
    exclude: Names = []
    customers: Names | None = None
    user: str | None = None
    store: StoreId | None = None
    date: dt.date | None = None


def parse(model: type[Input], body: Any) -> Any:
    """Validate `body` as `model`, turning every problem into one `invalid` refusal."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise invalid_from(exc) from None


def body_hash(model: Any) -> str:
    """A document's digest, by which C5 tells a repeat from a conflict (the date is not
    part of it)."""
    data = model.model_dump(mode="json", exclude={"date"})
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def invalid_from(exc: ValidationError) -> PatronageError:
    problems = [
        Problem(".".join(str(p) for p in err["loc"]) or "body", err["msg"]) for err in exc.errors()
    ]
    summary = "; ".join(f"{p.field}: {p.message}" for p in problems[:5])
    return PatronageError("invalid", summary or "invalid input", problems)
