"""Set-up (admin): the shop, stores, programs; keys, webhooks and the request audit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from patronage.entrypoints.api import present, records
from patronage.entrypoints.api import schemas as s
from patronage.entrypoints.api.deps import Admin, Cashier, OneHop, Service
from patronage.service import inputs as i
from patronage.service import listing, webhooks

router = APIRouter(prefix="/v1", tags=["set-up"], route_class=OneHop)
ProgramId = Annotated[str, Path(min_length=1, max_length=100)]
BigId = Annotated[int, Path(ge=1, le=2**53)]
Limit = Annotated[int, Query(ge=1, le=500)]
After = Annotated[str | None, Query(max_length=500)]


@router.get("/shop", response_model=s.ShopOut)
def get_shop(svc: Service, _: Cashier) -> Any:
    return listing.shop(svc)


@router.put("/shop", response_model=s.ShopOut, summary="The scenario format's `shop` mapping")
def put_shop(body: i.ShopIn, svc: Service, _: Admin) -> Any:
    svc.configure_shop(body)
    return listing.shop(svc)


@router.put("/stores/{store_id}", response_model=s.StoreOut)
def put_store(store_id: Annotated[int, Path(ge=1, le=2_000_000_000)], body: s.StoreBody,
              svc: Service, _: Admin) -> Any:
    current = listing.shop(svc)
    data = body.model_dump(exclude_unset=True)
    svc.configure_shop({"name": current["name"], "currency": current["currency"],
                        "allow_credit_for_gift_cards": current["allow_credit_for_gift_cards"],
                        "stores": [{**data, "id": store_id}]})
    return next(x for x in listing.shop(svc)["stores"] if x["id"] == store_id)


@router.get("/programs", response_model=list[dict[str, Any]])
def list_programs(svc: Service, _: Cashier) -> Any:
    return listing.programs(svc)


@router.post("/programs", response_model=dict[str, Any], status_code=201,
             summary="Create or replace a program (a scenario program; status open opens it)")
def post_program(body: i.ProgramIn, svc: Service, _: Admin) -> Any:
    svc.put_program(body)
    return listing.program(svc, body.id)


@router.get("/programs/{program_id}", response_model=dict[str, Any])
def get_program(program_id: ProgramId, svc: Service, _: Cashier) -> Any:
    return listing.program(svc, program_id)


@router.patch("/programs/{program_id}", response_model=dict[str, Any])
def patch_program(program_id: ProgramId, body: s.ProgramPatch, svc: Service, _: Admin) -> Any:
    svc.change_program(program_id, body.model_dump(exclude_unset=True))
    return listing.program(svc, program_id)


@router.post("/programs/{program_id}/open", response_model=dict[str, Any])
def open_program(program_id: ProgramId, svc: Service, _: Admin) -> Any:
    svc.open_program(program_id)
    return listing.program(svc, program_id)


@router.post("/programs/{program_id}/close", response_model=dict[str, Any])
def close_program(program_id: ProgramId, svc: Service, _: Admin) -> Any:
    svc.close_program(program_id)
    return listing.program(svc, program_id)


# --- keys ----------------------------------------------------------------------------------

@router.post("/keys", response_model=s.KeyCreated, status_code=201, tags=["access"],
             summary="A new API key; the answer shows it once")
def create_key(body: s.KeyBody, svc: Service, _: Admin) -> Any:
    return records.create_key(svc, body.name, body.role)


@router.get("/keys", response_model=list[s.KeyOut], tags=["access"])
def list_keys(svc: Service, _: Admin) -> Any:
    return records.list_keys(svc)


@router.delete("/keys/{name_or_id}", response_model=s.KeyOut, tags=["access"])
def revoke_key(name_or_id: Annotated[str, Path(min_length=1, max_length=100)], svc: Service,
               key: Admin) -> Any:
    return records.revoke_key(svc, name_or_id, keep=key.id)


@router.get("/audit", response_model=s.AuditPage, tags=["access"],
            summary="Write requests with the key that made them, newest first")
def audit(svc: Service, _: Admin, limit: Limit = 50, after: After = None) -> Any:
    items, nxt = records.audit_page(svc, limit, present.uncursor(after, int))
    return present.page(items, nxt)


# --- webhooks ------------------------------------------------------------------------------

@router.post("/webhooks", response_model=s.WebhookCreated, status_code=201, tags=["webhooks"],
             summary="Subscribe a URL to events (none listed: all); the answer shows the secret")
def create_webhook(body: s.WebhookBody, svc: Service, key: Admin) -> Any:
    return webhooks.create(svc, body.url, body.events, body.secret, key.name)


@router.get("/webhooks", response_model=list[s.WebhookOut], tags=["webhooks"])
def list_webhooks(svc: Service, _: Admin) -> Any:
    return webhooks.listing(svc)


@router.get("/webhooks/{webhook_id}", response_model=s.WebhookOut, tags=["webhooks"])
def get_webhook(webhook_id: BigId, svc: Service, _: Admin) -> Any:
    return webhooks.get(svc, webhook_id)


@router.delete("/webhooks/{webhook_id}", response_model=s.WebhookOut, tags=["webhooks"])
def delete_webhook(webhook_id: BigId, svc: Service, _: Admin) -> Any:
    return webhooks.delete(svc, webhook_id)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=s.DeliveryPage,
            tags=["webhooks"])
def deliveries(webhook_id: BigId, svc: Service, _: Admin, limit: Limit = 50,
               after: After = None) -> Any:
    items, nxt = webhooks.deliveries(svc, webhook_id, limit, present.uncursor(after, int))
    return present.page(items, nxt)
