"""Links to a customer's own page over REST (P3, manager): make one, list them, revoke one
or all. `url` is under PATRONAGE_PUBLIC_URL, else this server's own address."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from patronage.core import links as rules
from patronage.core.errors import PatronageError
from patronage.entrypoints.api.deps import Manager, OneHop, Service
from patronage.entrypoints.api.routes.customers import CustomerId
from patronage.service import customer_links
from patronage.service.customer_links import Link

router = APIRouter(prefix="/v1", tags=["customers"], route_class=OneHop)
log = logging.getLogger("patronage.api")
LinkId = Annotated[int, Path(ge=1, le=2**62)]


class LinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int | None = Field(default=None, ge=1, le=rules.MAX_DAYS, description=(
        "how long the link works (default PATRONAGE_CUSTOMER_LINK_DAYS, 90)"))
LinkQuery = Annotated[bool, Query(description="add `customer_link`, the customer's own page, "
                                  "for the receipt to print (needs PATRONAGE_PUBLIC_URL)")]


class LinkOut(BaseModel):
    id: int
    url: str | None = Field(description="the page's address while the link is live")
    expires: dt.datetime
    status: str = Field(description="live, expired or revoked")
    created_at: dt.datetime
    created_by: str | None
    revoked_at: dt.datetime | None


class LinkList(BaseModel):
    items: list[LinkOut]


class Revoked(BaseModel):
    revoked: int = Field(description="how many live links were revoked")


def _out(link: Link, base: str) -> dict[str, Any]:
    return {"id": link.id, "url": customer_links.url_of(base, link.token) if link.token
            else None, "expires": link.expires_at, "status": link.status,
            "created_at": link.created_at, "created_by": link.created_by,
            "revoked_at": link.revoked_at}


def _base(request: Request) -> str:
    return customer_links.settings().public_url or str(request.base_url)


@router.post("/customers/{customer_id}/links", response_model=LinkOut, status_code=201,
             summary="A link to the customer's own page (read only, no login)")
def make_link(customer_id: CustomerId, request: Request, svc: Service, key: Manager,
              body: LinkBody | None = None) -> Any:
    days = body.days if body else None
    made = svc.run(lambda tx: customer_links.create(tx, customer_id, days, key.name),
                   user=key.name)
    return _out(made, _base(request))


@router.get("/customers/{customer_id}/links", response_model=LinkList)
def list_links(customer_id: CustomerId, request: Request, svc: Service, _: Manager) -> Any:
    found = svc.read(lambda tx: customer_links.listing(tx, customer_id), primary=True)
    base = _base(request)
    return {"items": [_out(link, base) for link in found]}


@router.delete("/customers/{customer_id}/links/{link_id}", response_model=LinkOut,
               summary="Revoke one link: it stops working at once")
def revoke_link(customer_id: CustomerId, link_id: LinkId, request: Request, svc: Service,
                key: Manager) -> Any:
    done = svc.run(lambda tx: customer_links.revoke(tx, customer_id, link_id), user=key.name)
    return _out(done, _base(request))


@router.delete("/customers/{customer_id}/links", response_model=Revoked,
               summary="Revoke every link of the customer")
def revoke_links(customer_id: CustomerId, svc: Service, key: Manager) -> Any:
    return {"revoked": svc.run(lambda tx: customer_links.revoke_all(tx, customer_id),
                               user=key.name)}


def with_link(svc: Any, answer: dict[str, Any], asked: bool) -> dict[str, Any]:
    """P4: an invoice answer with `customer_link` for the receipt, when the POS asked
    (`?link=true`), the invoice has a customer and PATRONAGE_PUBLIC_URL is set (else null).
    The link is found or made after the command committed: a setting gone wrong costs the
    receipt its link, never the sale its answer."""
    if asked and answer.get("customer"):
        whose = str(answer["customer"])
        try:
            answer["customer_link"] = svc.run(
                lambda tx: customer_links.receipt_link(tx, whose))
        except PatronageError as err:
            log.warning("link_setting: a receipt for %s carries no link: %s", whose, err)
    return answer
