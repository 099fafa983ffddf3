"""Campaigns (issue 23 item 3; K1-K7 in docs/decisions.md): the earning hooks that give
their extras, and the commands that make, list, change and stop them (REST, console,
scenario files).

The rules are core/campaigns.py's. Here:
- `extras` (called by service/bonuses.py for every accrual and quote) finds the program's
  live campaigns, asks the core what each gives, and caps a budgeted one by what is left,
  reading its row locked (FOR UPDATE) unless quoting, after the customer's lock, so two
  posts at once never give more than the budget (K5).
- `after_accrual` adds what the invoice's rate says each campaign gave to its `given`;
  a campaign whose budget is reached stops giving (K5). A return or a void gives nothing
  back to the budget (K6).
- Cost (K7): the program's live campaigns are remembered per process for each `Program`
  value `Repository.program` hands out. That value is cached per `programs` row and
  version, and every change to a campaign adds one to its program's version, so a process
  sees the change on its next read of the row, which a post makes anyway: a shop with no
  campaigns pays no statement for them, and one with campaigns pays one per program per
  change, plus the budget's row for a budgeted campaign that applies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import weakref
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from patronage.core import campaigns as rules
from patronage.core.campaigns import Campaign
from patronage.core.earning import Earning, Extra, Rate
from patronage.core.errors import PatronageError, Problem, invalid, not_found
from patronage.core.programs import Filter, Program
from patronage.service.inputs import (
    Exact,
    Id,
    Input,
    MaybeDate,
    Name,
    Names,
    Qty,
    StoreId,
    parse,
)
from patronage.service.ports import Row
from patronage.service.uow import Tx

MAX_POINTS = 1_000_000_000  # bonus points per invoice
MAX_BUDGET = 10**15
ITEM_LISTS = ("transaction_types", "job_types", "vendors", "manufacturers", "product_lines",
              "sub_departments", "item_types", "items", "exclude_item_types")


class ItemFilterIn(Input):
    """K1: the lines a campaign looks at, with the criteria of a program's filter (section
    2; a store or a date window is the campaign's own)."""

    transaction_types: Names = Field(default_factory=list)
    job_types: Names = Field(default_factory=list)
    vendors: Names = Field(default_factory=list)
    manufacturers: Names = Field(default_factory=list)
    product_lines: Names = Field(default_factory=list)
    sub_departments: Names = Field(default_factory=list)
    item_types: Names = Field(default_factory=list)
    items: Names = Field(default_factory=list)
    exclude_item_types: Names = Field(default_factory=list)
    min_qty: Qty | None = None


class CampaignIn(Input):
    id: Id = Field(min_length=1)
    program: Id = Field(min_length=1)
    name: Name = Field(min_length=1)
    effective: dt.date
    expires: MaybeDate = None
    stores: list[StoreId] = Field(default_factory=list)
    tiers: Names = Field(default_factory=list)
    lines: ItemFilterIn | None = None
    multiplier: Annotated[Exact, Field(gt=1, le=100)] | None = None
    bonus_points: Annotated[int, Field(ge=1, le=MAX_POINTS)] | None = None
    bonus_min_qty: Qty | None = None
    budget: Annotated[int, Field(ge=1, le=MAX_BUDGET)] | None = None

    @model_validator(mode="after")
    def _gives_something(self) -> CampaignIn:
        if self.multiplier is None and self.bonus_points is None:
            raise ValueError("a campaign gives a multiplier, bonus_points or both")
        if self.bonus_min_qty is not None and self.bonus_points is None:
            raise ValueError("bonus_min_qty needs bonus_points")
        if self.expires is not None and self.expires <= self.effective:
            raise ValueError("expires must be after effective")
        return self


class CampaignChange(Input):
    """PATCH: rename, end on a date (`expires`), change the budget, or stop it now."""

    name: Name | None = Field(default=None, min_length=1)
    expires: MaybeDate = None
    budget: Annotated[int, Field(ge=1, le=MAX_BUDGET)] | None = None
    status: Literal["stopped"] | None = None


class CampaignStepChange(CampaignChange):
    """A scenario file's `change_campaign` step: the campaign's id and the changes."""

    id: Id = Field(min_length=1)


# --- the earning hooks (service/bonuses.py) --------------------------------------------------

def extras(tx: Tx, enrollment: Mapping[Any, Any], program: Program, earning: Earning,
           before: list[Extra], *, quote: bool) -> list[Extra]:
    """K1-K5: the extra of each live campaign of `program` that applies to `earning`.
    A budgeted one is capped by what is left of it, read under a lock when not quoting."""
    live = _live(tx, program)
    if not live:
        return []
    tiers = rules.tier_names(before)
    out = []
    for campaign in live:  # in id order: locks are always taken in the same order
        points = rules.earned(campaign, earning, tiers)
        if points > 0 and campaign.budget is not None:
            points = rules.capped(points, _left(tx, campaign.id, lock=not quote))
        if points > 0:
            out.append(rules.extra(campaign, points))
    return out


def after_accrual(tx: Tx, enrollment: Mapping[Any, Any], program: Program, invoice_id: int,
                  rate: Rate, points: int, day: dt.date) -> None:
    """K5: count what each campaign gave on the invoice (its extras in `rate`, source
    "campaign:<id>") against its budget; one that reaches its budget stops giving."""
    spent = False
    for x in rate.extras:
        if not x.source.startswith(rules.SOURCE) or x.points <= 0:
            continue
        row = tx.repo.add_campaign_given(x.source[len(rules.SOURCE):], x.points)
        if row is not None and row["budget"] is not None and row["given"] >= row["budget"]:
            spent = True
    if spent:
        _changed(tx, program.id)


# --- what each process remembers (K7) -------------------------------------------------------

_LIVE: dict[int, tuple[weakref.ref[Program], tuple[Campaign, ...]]] = {}
_LIVE_LOCK = threading.Lock()


def _live(tx: Tx, program: Program) -> tuple[Campaign, ...]:
    """The program's campaigns that may still give (active, budget not spent), remembered
    for this very `Program` value (see the module docstring)."""
    key = id(program)
    known = _LIVE.get(key)
    if known is not None and known[0]() is program:
        return known[1]
    rows = tx.repo.active_campaigns(program.id)
    found = tuple(c for c in (campaign_of(r) for r in rows) if c.live)
    try:
        ref = weakref.ref(program, lambda _: _LIVE.pop(key, None))
    except TypeError:  # a value that cannot be referred to weakly: not remembered
        return found
    with _LIVE_LOCK:
        _LIVE[key] = (ref, found)
    return found


def _left(tx: Tx, campaign_id: str, lock: bool) -> int:
    row = tx.repo.campaign_budget(campaign_id, lock)
    if row is None or row["status"] != rules.ACTIVE:
        return 0
    if row["budget"] is None:
        return MAX_BUDGET
    return max(0, int(row["budget"]) - int(row["given"]))


def _changed(tx: Tx, program_id: str) -> None:
    """A campaign of the program changed: its version moves on, so every process reads
    the program (and its campaigns) afresh at its next post."""
    tx.repo.next_program_version(program_id)


# --- rows ------------------------------------------------------------------------------------

def campaign_of(row: Row) -> Campaign:
    criteria = row["criteria"]
    lines = None
    if criteria is not None:
        lists: dict[str, Any] = {k: tuple(criteria.get(k) or ()) for k in ITEM_LISTS}
        min_qty = criteria.get("min_qty")
        lines = Filter(name=row["name"], min_qty=None if min_qty is None else Decimal(min_qty),
                       **lists)
    return Campaign(
        id=row["id"], program_id=row["program_id"], name=row["name"],
        effective=row["effective"], expires=row["expires"],
        stores=tuple(row["stores"] or ()), tiers=tuple(row["tiers"] or ()), lines=lines,
        multiplier=row["multiplier"], bonus_points=row["bonus_points"],
        bonus_min_qty=row["bonus_min_qty"], budget=row["budget"], given=int(row["given"]),
        status=row["status"])


def to_json(row: Row, day: dt.date) -> dict[str, Any]:
    """A campaign as REST, the console and scenario checks show it."""
    c = campaign_of(row)
    return {
        "id": c.id, "program": c.program_id, "name": c.name, "effective": c.effective,
        "expires": c.expires, "stores": list(c.stores), "tiers": list(c.tiers),
        "lines": row["criteria"], "multiplier": c.multiplier, "bonus_points": c.bonus_points,
        "bonus_min_qty": c.bonus_min_qty, "budget": c.budget, "given": c.given,
        "left": c.left, "status": c.state(day), "created_at": row["created_at"],
        "created_by": row["created_by"], "stopped_on": row["stopped_on"],
    }


def _criteria(lines: ItemFilterIn | None) -> dict[str, Any] | None:
    if lines is None:
        return None
    out: dict[str, Any] = {k: list(getattr(lines, k)) for k in ITEM_LISTS}
    out["min_qty"] = None if lines.min_qty is None else str(lines.min_qty)
    return out


def _hash(body: CampaignIn) -> str:
    data = body.model_dump(mode="json")
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# --- commands and queries --------------------------------------------------------------------

def create(tx: Tx, body: Any, user: str | None = None) -> dict[str, Any]:
    """Make a campaign (K1-K5). The same id again with the same body answers the campaign
    as it is (C5); with another body, `conflict`."""
    b: CampaignIn = parse(CampaignIn, body)
    digest = _hash(b)
    known = tx.repo.campaign(b.id)
    if known is not None:
        if known["body_hash"] != digest:
            raise PatronageError("conflict", f"campaign {b.id!r} exists with other settings",
                                 [Problem("id", "already used by another campaign")])
        return to_json(known, tx.day)
    if tx.repo.program(b.program) is None:
        raise not_found("program", b.program)
    tx.repo.insert_campaign(
        id=b.id, program_id=b.program, name=b.name, effective=b.effective, expires=b.expires,
        stores=list(b.stores), tiers=list(b.tiers), criteria=_criteria(b.lines),
        multiplier=b.multiplier, bonus_points=b.bonus_points, bonus_min_qty=b.bonus_min_qty,
        budget=b.budget, given=0, status=rules.ACTIVE, body_hash=digest,
        created_at=tx.now.replace(tzinfo=None), created_by=user or tx.user)
    _changed(tx, b.program)
    return get(tx, b.id)


def get(tx: Tx, campaign_id: str) -> dict[str, Any]:
    row = tx.repo.campaign(campaign_id)
    if row is None:
        raise not_found("campaign", campaign_id)
    return to_json(row, tx.day)


def listing(tx: Tx, program: str | None = None) -> list[dict[str, Any]]:
    """Every campaign (of `program`), newest first."""
    if program and tx.repo.program(program) is None:
        raise not_found("program", program)
    return [to_json(r, tx.day) for r in tx.repo.campaigns_newest_first(program)]


def change(tx: Tx, campaign_id: str, body: Any) -> dict[str, Any]:
    """Rename, end (`expires`), change the budget or stop a campaign (K5). Its row is
    locked first, so a budget change and a post at the same moment never cross. Nothing
    already given changes (K6)."""
    b: CampaignChange = parse(CampaignChange, body)
    row = tx.repo.campaign(campaign_id, lock=True)
    if row is None:
        raise not_found("campaign", campaign_id)
    values: dict[str, Any] = {}
    written = b.model_fields_set
    if b.name is not None:
        values["name"] = b.name
    if "expires" in written:
        if b.expires is not None and b.expires <= row["effective"]:
            raise invalid("expires", f"must be after the campaign's effective {row['effective']}")
        values["expires"] = b.expires
    if "budget" in written:
        if b.budget is not None and b.budget < row["given"]:
            raise invalid("budget", f"below the {row['given']} points it has given")
        values["budget"] = b.budget
    if b.status == rules.STOPPED and row["status"] != rules.STOPPED:
        values.update(status=rules.STOPPED, stopped_on=tx.day)
    if values:
        tx.repo.update_campaign(campaign_id, values)
        _changed(tx, row["program_id"])
    return get(tx, campaign_id)
