"""Campaigns over REST (issue 23 item 3; K1-K7 in docs/decisions.md): make one, list them,
read one, change one (rename, end on a date, budget) or stop it.

Refusals keep their codes: `invalid` (422) for settings that break K1-K5, `not_found`
(404) for an unknown program or campaign, `conflict` (409) for a known id with other
settings (the same settings again answer the campaign, C5).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from patronage.entrypoints.api.deps import Cashier, Manager, OneHop, Service
from patronage.service import campaigns
from patronage.service.campaigns import CampaignChange, CampaignIn

router = APIRouter(prefix="/v1", tags=["campaigns"], route_class=OneHop)
CampaignId = Annotated[str, Path(min_length=1, max_length=100)]


class CampaignOut(BaseModel):
    id: str
    program: str
    name: str
    effective: dt.date
    expires: dt.date | None = Field(description="the first sale date it no longer covers")
    stores: list[int]
    tiers: list[str]
    lines: dict[str, Any] | None = Field(description="the item filter; null: every line")
    multiplier: Decimal | None
    bonus_points: int | None
    bonus_min_qty: Decimal | None
    budget: int | None
    given: int = Field(description="points given so far (returns and voids give none back)")
    left: int | None = Field(description="what the budget still allows; null: no budget")
    status: str = Field(description="active, scheduled, ended, spent or stopped (today)")
    created_at: dt.datetime
    created_by: str | None
    stopped_on: dt.date | None


class CampaignList(BaseModel):
    items: list[CampaignOut]


@router.post("/campaigns", response_model=CampaignOut, status_code=201,
             summary="A campaign: extra points for a date window, stores, items or tiers")
def create_campaign(body: CampaignIn, svc: Service, key: Manager) -> Any:
    return svc.run(lambda tx: campaigns.create(tx, body, key.name), user=key.name)


@router.get("/campaigns", response_model=CampaignList)
def list_campaigns(svc: Service, _: Cashier,
                   program: Annotated[str | None, Query(max_length=100)] = None) -> Any:
    return {"items": svc.read(lambda tx: campaigns.listing(tx, program), primary=True)}


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
def get_campaign(campaign_id: CampaignId, svc: Service, _: Cashier) -> Any:
    return svc.read(lambda tx: campaigns.get(tx, campaign_id), primary=True)


@router.patch("/campaigns/{campaign_id}", response_model=CampaignOut,
              summary="Rename, end on a date (expires), change the budget, or stop now")
def change_campaign(campaign_id: CampaignId, body: CampaignChange, svc: Service,
                    key: Manager) -> Any:
    changes = body.model_dump(exclude_unset=True)
    return svc.run(lambda tx: campaigns.change(tx, campaign_id, changes), user=key.name)
