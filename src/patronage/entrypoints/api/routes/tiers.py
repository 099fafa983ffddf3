"""Status tiers over REST (issue 23 item 1; T8, T9 in docs/decisions.md): a customer's
moves between tiers, and how many customers hold each tier. The tier held is on the
balance (`tier`), the settings are the program's `status_tiers`, `tier.changed` is a
webhook event.

Refusals keep their codes: `not_found` (404) for an unknown customer or program.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from patronage.entrypoints.api.deps import Cashier, Manager, OneHop, Service
from patronage.service import tiers
from patronage.service.enrollment import need_customer

router = APIRouter(prefix="/v1", tags=["tiers"], route_class=OneHop)
CustomerId = Annotated[str, Path(min_length=1, max_length=100)]


class TierMoveOut(BaseModel):
    date: dt.date
    program: str
    from_: str | None = Field(alias="from", serialization_alias="from")
    to: str | None
    reason: str = Field(description="`invoice` (moved up by one) or `review` (moved down)")
    qualifying: Decimal = Field(description="the figure of the window holding that day: "
                                "money for `spend`, points for `points`")


class TierMovesOut(BaseModel):
    items: list[TierMoveOut]


class TierCountOut(BaseModel):
    program: str
    tier: str
    threshold: Decimal
    multiplier: Decimal
    customers: int


class TierCountsOut(BaseModel):
    items: list[TierCountOut]


@router.get("/customers/{customer_id}/tier-changes", response_model=TierMovesOut,
            response_model_by_alias=True)
def tier_changes(customer_id: CustomerId, svc: Service, _: Cashier) -> Any:
    """T8: the customer's moves between tiers, newest first."""
    def read(tx: Any) -> list[dict[str, Any]]:
        need_customer(tx, customer_id)
        return tiers.history(tx, customer_id)

    return {"items": svc.read(read, primary=True)}


@router.get("/reports/tiers", response_model=TierCountsOut)
def tier_counts(svc: Service, _: Manager,
                program: Annotated[str | None, Query(max_length=100)] = None) -> Any:
    """T9: open enrollments holding each level of each program with tiers."""
    return {"items": svc.read(lambda tx: tiers.customers_per_tier(tx, program))}
