"""Typed inputs of every command, with the field names of the scenario format.

The scenario runner, the CLI and the REST API all parse bodies with these models, so a
field means the same everywhere. Unknown keys are refused. Money is a string ("25.00");
a float is refused so that no binary rounding can creep in.

Limits (section 12; docs/decisions.md, "Bad input") are checked here, once, for every
database: each text is at most as long as its column and has no control character (NUL
included: PostgreSQL refuses what SQLite would store); numbers stay in ranges the columns
hold and a shop could mean.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from patronage.core.errors import PatronageError, Problem
from patronage.core.money import CENT, MAX_MONEY, D

MAX_QTY = Decimal(1_000_000)
MAX_PRICE = Decimal(10_000_000)
MAX_RATE = Decimal(1_000_000)  # percents, points per currency, point values, price-group discounts
PLACES = 6  # decimals of a quantity, price or rate (stored as text of at most 40 characters)
NUMBER_TEXT = 30  # characters of a number written as text ("1.000...0" keeps its zeros)
ONE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"  # no control character at all
FREE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"  # tabs and line breaks allowed


def _exact(value: Any) -> Any:
    if type(value) is str:  # the usual case, first: a plain finite number as text
        if len(value) > NUMBER_TEXT:
            raise ValueError(f"a number has at most {NUMBER_TEXT} characters")
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


def _amount_or_all(value: Any) -> Any:
    """A redemption (C2, C3): "all" or money of at least 0 (a negative one would give value)."""
    if value == "all":
        return value
    d = _money(value)
    if isinstance(d, Decimal) and d < 0:
        raise ValueError("must not be negative")
    return d


def _never(value: Any) -> Any:
    return None if value in ("never", "", None) else value


# A range is given before the conversion so that pydantic checks it on the decimal itself,
# in its own code; given after, it would wrap the conversion in a Python check of its own
# (two per field: most of the time an invoice's lines took to check).
# The lower bounds of rates are section 2's (`invalid_program`, with every other problem).
Exact = Annotated[Decimal, Field(ge=-MAX_RATE, le=MAX_RATE, decimal_places=PLACES),
                  BeforeValidator(_exact)]
Money = Annotated[Decimal, BeforeValidator(_money)]
NonNegMoney = Annotated[Decimal, Field(ge=0), BeforeValidator(_money)]
Qty = Annotated[Decimal, Field(gt=0, le=MAX_QTY, decimal_places=PLACES), BeforeValidator(_exact)]
Price = Annotated[Decimal, Field(ge=0, le=MAX_PRICE, decimal_places=PLACES),
                  BeforeValidator(_exact)]
MaybeDate = Annotated[dt.date | None, BeforeValidator(_never)]
MaybeDays = Annotated[Annotated[int, Field(ge=0, le=36500)] | None, BeforeValidator(_never)]
AmountOrAll = Annotated[Decimal | Literal["all"], BeforeValidator(_amount_or_all)]
# Text, by the column that keeps it (adapters/db/tables.py); pydantic checks it in its own code.
Id = Annotated[str, StringConstraints(max_length=100, pattern=ONE_LINE)]  # also users, SKUs
Code = Annotated[str, StringConstraints(max_length=50, pattern=ONE_LINE)]  # statuses, types
Name = Annotated[str, StringConstraints(max_length=200, pattern=ONE_LINE)]
Email = Annotated[str, StringConstraints(max_length=254, pattern=ONE_LINE)]
Reason = Annotated[str, StringConstraints(max_length=200, pattern=FREE_TEXT)]
Note = Annotated[str, StringConstraints(max_length=2000, pattern=FREE_TEXT)]
Names = Annotated[list[Id], Field(max_length=100_000)]
StoreId = Annotated[int, Field(ge=1, le=2_000_000_000)]
PHONE = r"^\+?[0-9 ()./-]{3,40}( ?(x|ext\.?) ?[0-9]{1,8})?$"  # digits as written; an extension


def _blank_is_none(value: Any) -> Any:
    """Contact details: surrounding spaces dropped, and a blank one is none."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# A customer's postal address and phone (seed 004's printed letters; decisions.md)
AddressLine = Annotated[Name | None, BeforeValidator(_blank_is_none)]
Place = Annotated[Annotated[str, StringConstraints(max_length=100, pattern=ONE_LINE)] | None,
                  BeforeValidator(_blank_is_none)]  # city, region, country
PostalCode = Annotated[Annotated[str, StringConstraints(max_length=20, pattern=ONE_LINE)] | None,
                       BeforeValidator(_blank_is_none)]
Phone = Annotated[Annotated[str, StringConstraints(max_length=50, pattern=PHONE)] | None,
                  BeforeValidator(_blank_is_none)]


def lines_total(lines: list[Any]) -> list[Any]:
    """The lines of one document come to at most MAX_MONEY (their amounts are summed into
    money columns, and points are worked out from them)."""
    total = sum((x.qty * x.price for x in lines if x.price is not None), Decimal(0))
    if total > MAX_MONEY:
        raise ValueError(f"the lines come to {total:,.2f}: at most {MAX_MONEY:,.2f}")
    return lines


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- shop -----------------------------------------------------------------------------


class StoreIn(Input):
    id: int = Field(ge=1, le=2_000_000_000)
    name: Name = ""
    active: bool = True


class StatusIn(Input):
    code: Code = Field(min_length=1)
    include_in_loyalty: bool = True


class ReasonIn(Input):
    code: Code = Field(min_length=1)
    account: Code = Field(min_length=1)


class PriceGroupIn(Input):
    code: Code = Field(min_length=1)
    discount_percent: Exact = Decimal(0)

    @field_validator("discount_percent")
    @classmethod
    def _a_share_of_the_price(cls, value: Decimal) -> Decimal:
        """A discount takes 0 to 100 % off (issue 21): below would raise prices, above pay
        the customer to buy."""
        if not 0 <= value <= 100:
            raise ValueError("a discount is from 0 to 100 percent")
        return value


class EmployeeIn(Input):
    id: Id = Field(min_length=1)
    email: Email
    store: StoreId | None = None


class SubscriberIn(Input):
    email: Email
    event: Id = "award_earned"


class ShopIn(Input):
    name: Name = "Shop"
    currency: Code = Field(default="USD", min_length=3, max_length=3)
    auto_maintenance: bool = True  # read by the scenario runner only
    allow_credit_for_gift_cards: bool = False
    # E1 (issue 21 item 1): left out, the shop keeps its setting ("one" when new)
    programs_per_customer: Literal["one", "many"] | None = None
    stores: list[StoreIn] = []
    statuses: list[StatusIn] = []
    reasons: list[ReasonIn] = []
    price_groups: list[PriceGroupIn] = []
    employees: list[EmployeeIn] = []
    subscribers: list[SubscriberIn] = []


# --- programs -------------------------------------------------------------------------


class FilterIn(Input):
    name: Name
    effective: MaybeDate = None
    expires: MaybeDate = None
    whiteboard: Note | None = None
    transaction_types: Names = []
    stores: list[StoreId] = []
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
    name: Name
    effective: MaybeDate = None
    expires: MaybeDate = None
    whiteboard: Note | None = None
    transaction_types: Names = []
    currency_per_point: Exact


class TierIn(Input):
    up_to: Exact | None = None
    percent: Exact


class CreditMemoAction(Input):
    amount: NonNegMoney
    expire_days: MaybeDays = None
    reason: Code | None = None


class CouponAction(Input):
    amount: NonNegMoney
    expire_days: MaybeDays = None


class NotifyAction(Input):
    employees: Names = []
    subscribers: bool = False
    letter_template: Name | None = None


class AwardIn(Input):
    name: Name
    effective: MaybeDate = None
    expires: MaybeDate = None
    whiteboard: Note | None = None
    level: int | None = None
    level_from: int | None = None
    level_to: int | None = None
    credit_memo: CreditMemoAction | None = None
    coupon: CouponAction | None = None
    price_group: Code | None = None
    notify: NotifyAction | None = None


def _days_before(value: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """Reminder days (issue 23 item 4): each once, largest first. None passes through:
    the API's PATCH body makes every field optional (the program's own check refuses it)."""
    return None if value is None else tuple(sorted(set(value), reverse=True))


# days before an expiry that a reminder is sent: 1 to 10 years, at most 10 of them
ReminderDays = Annotated[tuple[Annotated[int, Field(ge=1, le=3650)], ...],
                         Field(max_length=10), AfterValidator(_days_before)]


class TierLevelIn(Input):  # issue 23 item 1 (T1): one status tier
    name: Code = Field(min_length=1)
    threshold: Exact  # money for `spend`, points for `points`; above 0, rising (core/tiers.py)
    multiplier: Exact = Decimal(1)  # 1 to 10
    price_group: Code | None = None


class StatusTiersIn(Input):  # issue 23 item 1 (T1, T2, T7)
    measure: Literal["spend", "points"] = "spend"
    window: Literal["rolling", "calendar_year"] = "calendar_year"
    rolling_days: int | None = Field(default=None, ge=1, le=3650)
    grace_days: int = Field(default=0, ge=0, le=3650)
    levels: list[TierLevelIn] = Field(min_length=1, max_length=20)


class ProgramIn(Input):
    id: Id = Field(min_length=1)
    name: Name = Field(min_length=1)
    kind: Literal["points_bank", "recurring", "program_end"]
    status: Literal["draft", "open", "closed"] = "draft"
    effective: dt.date
    expires: MaybeDate = None
    accrue_on: Literal["invoice", "paid_in_full"] = "invoice"
    cash_equivalent_only: bool = False
    start_date: dt.date | None = None
    eligible_statuses: list[Code] = []
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
    report_in_sale_code: Code | None = None
    comments: Note | None = None  # seed 001's program type "Comments"; never earns
    filters: list[FilterIn] = []
    multipliers: list[MultiplierIn] = []
    percent_tiers: list[TierIn] = []
    awards: list[AwardIn] = []
    remind_points_expiring_days: ReminderDays = ()  # issue 23 item 4; empty: off
    remind_credit_expiring_days: ReminderDays = ()
    return_restores_redemption: bool = False  # issue 23 item 6 (R5)
    redeem_min_points: int = Field(default=0, ge=0, le=1_000_000_000)  # issue 23 item 2 (R6)
    redeem_step_points: int = Field(default=1, ge=1, le=1_000_000_000)  # R7
    redeem_max_share_percent: int = Field(default=100, ge=1, le=100)  # R8
    status_tiers: StatusTiersIn | None = None  # issue 23 item 1 (T1-T9); None: no tiers


# --- customers, cards, enrollment ------------------------------------------------------


class CustomerIn(Input):
    id: Id = Field(min_length=1)
    name: Name = ""
    email: Email | None = None
    type: Code | None = None
    status: Code | None = None
    price_group: Code | None = None
    phone: Phone = None
    address_line1: AddressLine = None
    address_line2: AddressLine = None
    city: Place = None
    region: Place = None  # state, province, county
    postal_code: PostalCode = None
    country: Place = None


class EnrollIn(Input):
    customer: Id
    program: Id
    close_current: bool = False
    date: dt.date | None = None
    user: Id | None = None


class UnenrollIn(Input):
    customer: Id
    program: Id | None = None  # with several programs (E1 `many`): which one to leave
    date: dt.date | None = None
    user: Id | None = None


class SelectIn(Input):
    type: Code | None = None
    status: Code | None = None
    enrolled: bool | None = None
    program: Id | None = None  # currently enrolled in this program
    purchased_since: dt.date | None = None


class MassEnrollIn(Input):
    program: Id
    select: SelectIn = SelectIn()
    exclude: Names = []
    customers: Names | None = None  # an explicit list chosen from a preview
    close_current: bool = False
    date: dt.date | None = None
    user: Id | None = None


class MassUnenrollIn(Input):
    select: SelectIn = SelectIn()
    exclude: Names = []
    customers: Names | None = None
    date: dt.date | None = None
    user: Id | None = None


class CardIn(Input):
    customer: Id | None = None
    add: Id | None = None
    deactivate: Id | None = None
    date: dt.date | None = None


# --- POS documents ---------------------------------------------------------------------


class LineIn(Input):
    sku: Id = Field(min_length=1)
    item_type: Code = "product"
    product_line: Id | None = None
    sub_department: Id | None = None
    vendor: Id | None = None
    manufacturer: Id | None = None
    qty: Qty
    price: Price
    discount: NonNegMoney = Decimal("0.00")


class TenderIn(Input):
    tender: Code = Field(min_length=1)
    amount: NonNegMoney


class RedeemIn(Input):
    program: Id | None = None  # with several points programs (E1 `many`): which one pays
    rewards: AmountOrAll | None = None
    credit_memos: AmountOrAll | None = None


class InvoiceIn(Input):
    id: Id = Field(min_length=1)
    customer: Id | None = None
    store: StoreId
    date: dt.date | None = None
    type: Code = "sale"
    job_type: Code | None = None
    lines: list[LineIn] = Field(default=[], max_length=10_000)
    tax: NonNegMoney = Decimal("0.00")
    payments: list[TenderIn] = Field(default=[], max_length=100)
    redeem: RedeemIn | None = None

    _lines_total = field_validator("lines")(lines_total)


class PaymentIn(Input):
    id: Id = Field(min_length=1)
    invoice: Id
    store: StoreId
    tender: Code = Field(min_length=1)
    amount: NonNegMoney
    date: dt.date | None = None


class ReturnLineIn(Input):
    sku: Id
    qty: Qty
    price: Price | None = None
    item_type: Code = "product"


class ReturnIn(Input):
    id: Id = Field(min_length=1)
    invoice: Id | None = None
    customer: Id | None = None
    store: StoreId
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=10_000)
    date: dt.date | None = None

    _lines_total = field_validator("lines")(lines_total)


class VoidIn(Input):
    invoice: Id
    store: StoreId | None = None
    date: dt.date | None = None
    user: Id | None = None


class ConvertIn(Input):
    invoice: Id
    store: StoreId | None = None
    date: dt.date | None = None


class AdjustIn(Input):
    customer: Id
    program: Id | None = None  # with several programs (E1 `many`): which one to adjust
    points: int | None = Field(default=None, ge=-1_000_000_000, le=1_000_000_000)
    set_balance: int | None = Field(default=None, ge=-1_000_000_000, le=1_000_000_000)
    expires: dt.date | None = None
    reason: Reason | None = None
    user: Id | None = None
    allow_negative: bool = False
    date: dt.date | None = None
    id: Id | None = None  # an external id, for idempotent bulk files


class MaintenanceIn(Input):
    date: dt.date | None = None
    user: Id | None = None
    store: StoreId | None = None


class ProcessAwardsIn(Input):
    program: Id
    exclude: Names = []
    customers: Names | None = None
    user: Id | None = None
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
    redeem = data.get("redeem")
    if isinstance(redeem, dict) and redeem.get("program") is None:
        redeem.pop("program", None)  # 0009_many_programs: a body without it hashes as before
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def invalid_from(exc: ValidationError) -> PatronageError:
    problems = [Problem(where(err["loc"]), message_of(err)) for err in exc.errors()]
    summary = "; ".join(f"{p.field}: {p.message}" for p in problems[:5])
    return PatronageError("invalid", summary or "invalid input", problems)


def where(loc: Any) -> str:
    """A problem's dotted field path; an unknown key is shown cut short and printable."""
    parts = [str(p) if type(p) is int else repr(p)[1:-1][:60] for p in loc]
    return ".".join(parts) or "body"


def message_of(err: Any) -> str:
    """Pydantic's message, but a text refused for its characters says why, not the pattern."""
    if err.get("type") == "string_pattern_mismatch":
        pattern = (err.get("ctx") or {}).get("pattern")
        if pattern == ONE_LINE:
            return "must be one line of text without control characters (such as NUL)"
        if pattern == FREE_TEXT:
            return "must not contain control characters (such as NUL) but tabs and line breaks"
        if pattern == PHONE:
            return "a phone number is digits with spaces, + ( ) - . / and maybe an extension (x 12)"
    return str(err.get("msg") or "invalid")
