"""Customers, loyalty cards, enrollment (one and in bulk), balances, histories, adjustments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from patronage.core.errors import invalid
from patronage.entrypoints.api import present
from patronage.entrypoints.api import schemas as s
from patronage.entrypoints.api.deps import Cashier, Manager, OneHop, Service
from patronage.entrypoints.api.records import ApiKey
from patronage.service import listing

router = APIRouter(prefix="/v1", tags=["customers"], route_class=OneHop)
CustomerId = Annotated[str, Path(min_length=1, max_length=100)]
CardNumber = Annotated[str, Path(min_length=1, max_length=100)]
AsOf = Annotated[dt.date | None, Query(description="balances as of this day (default today)")]
ProgramQuery = Annotated[str | None, Query(max_length=100, description=(
    "E1 `many`: the program whose balance (or enrollment) is meant"))]
Limit = Annotated[int, Query(ge=1, le=500)]
After = Annotated[str | None, Query(max_length=500, description="the `next` of the last page")]


def with_user(body: dict[str, Any], key: ApiKey) -> dict[str, Any]:
    """Writes that name a user record the caller's key name unless the body names one."""
    return body if body.get("user") else {**body, "user": key.name}


@router.get("/customers", response_model=s.CustomerPage)
def list_customers(svc: Service, _: Cashier, limit: Limit = 50, after: After = None,
                   type: Annotated[str | None, Query(max_length=50)] = None,
                   status: Annotated[str | None, Query(max_length=50)] = None,
                   q: Annotated[str | None, Query(max_length=100,
                                                  description="id, name or email prefix")] = None,
                   ) -> Any:
    items, nxt = listing.customers(svc, limit, present.uncursor(after, str), type, status, q)
    return present.page(items, nxt)


@router.put("/customers/{customer_id}", response_model=s.CustomerOut)
def put_customer(customer_id: CustomerId, body: s.CustomerBody, svc: Service,
                 _: Manager) -> Any:
    svc.put_customer({**body.model_dump(exclude_unset=True), "id": customer_id})
    return present.customer(svc.customer(customer_id))


@router.get("/customers/{customer_id}", response_model=s.CustomerOut)
def get_customer(customer_id: CustomerId, svc: Service, _: Cashier, as_of: AsOf = None) -> Any:
    return present.customer(svc.customer(customer_id, as_of))


@router.post("/customers/{customer_id}/cards", response_model=s.CustomerOut, status_code=201)
def add_card(customer_id: CustomerId, body: s.CardBody, svc: Service, _: Manager) -> Any:
    svc.card({"customer": customer_id, "add": body.number})
    return present.customer(svc.customer(customer_id))


@router.get("/cards/{number}", response_model=s.CustomerOut,
            summary="Scan a card: the customer it belongs to")
def find_card(number: CardNumber, svc: Service, _: Cashier, as_of: AsOf = None) -> Any:
    return present.customer(svc.customer(svc.find_by_card(number), as_of))


@router.post("/cards/{number}/deactivate", response_model=s.Message)
def deactivate_card(number: CardNumber, svc: Service, _: Manager) -> Any:
    return {"message": svc.card({"deactivate": number}).message}


@router.post("/customers/{customer_id}/enrollment", response_model=s.EnrollmentOut)
def enroll(customer_id: CustomerId, body: s.EnrollBody, svc: Service, key: Manager) -> Any:
    data = with_user(body.model_dump(exclude_unset=True), key)
    done = svc.enroll({**data, "customer": customer_id})
    return {"message": done.message,
            "balance": present.balance(svc.balance(customer_id, body.date))}


@router.delete("/customers/{customer_id}/enrollment", response_model=s.EnrollmentOut)
def unenroll(customer_id: CustomerId, svc: Service, key: Manager,
             date: Annotated[dt.date | None, Query()] = None,
             user: Annotated[str | None, Query(max_length=100)] = None,
             program: ProgramQuery = None) -> Any:
    body = with_user({"customer": customer_id, "date": date, "user": user}, key)
    if program is not None:
        body["program"] = program  # E1 `many`: which program to leave
    done = svc.unenroll(body)
    return {"message": done.message, "balance": present.balance(svc.balance(customer_id, date))}


@router.post("/enrollments/bulk", response_model=s.BulkPreviewOut | s.BulkCommitOut)
def bulk_enrollment(body: s.BulkEnrollmentBody, svc: Service, key: Manager) -> Any:
    data = with_user(body.model_dump(exclude_unset=True, exclude={"action", "commit"}), key)
    if body.action == "enroll":
        if not body.program:
            raise invalid("program", "name the program to enroll into")
        if not body.commit:
            chosen = svc.preview_mass_enroll(data)
            return {"action": "enroll", "commit": False, "count": len(chosen),
                    "customers": chosen}
        done = svc.mass_enroll(data)
        counts = done.data
        return {"action": "enroll", "commit": True, "message": done.message,
                "done": counts["enrolled"], "skipped": counts["skipped"],
                "failed": counts["failed"], "details": counts["details"]}
    data.pop("program", None)
    data.pop("close_current", None)
    if not body.commit:
        chosen = svc.preview_mass_unenroll(data)
        return {"action": "unenroll", "commit": False, "count": len(chosen), "customers": chosen}
    done = svc.mass_unenroll(data)
    counts = done.data
    return {"action": "unenroll", "commit": True, "message": done.message,
            "done": counts["unenrolled"], "skipped": counts["skipped"],
            "failed": counts["failed"], "details": counts["details"]}


@router.get("/customers/{customer_id}/balance", response_model=s.BalanceOut)
def balance(customer_id: CustomerId, svc: Service, _: Cashier, as_of: AsOf = None,
            program: ProgramQuery = None) -> Any:
    """E1: the top-level figures are of the customer's program (the oldest enrollment with
    several, or `program`'s); `programs` lists each program's."""
    top, each = svc.balance_by_program(customer_id, as_of, program)
    return {**(present.balance(top) or {}),
            "programs": [present.balance(b) for b in each
                         if program is None or b.program == program]}


@router.get("/customers/{customer_id}/ledger", response_model=s.LedgerPage)
def ledger(customer_id: CustomerId, svc: Service, _: Cashier, limit: Limit = 50,
           after: After = None,
           program: Annotated[str | None, Query(max_length=100, description=(
               "E1: only the entries of the customer's enrollments in this program"))] = None,
           ) -> Any:
    items, nxt = listing.ledger(svc, customer_id, limit, present.uncursor(after, int), program)
    return present.page(items, nxt)


@router.get("/customers/{customer_id}/credit-memos", response_model=s.CreditMemoPage)
def credit_memos(customer_id: CustomerId, svc: Service, _: Cashier, limit: Limit = 50,
                 after: After = None) -> Any:
    items, nxt = listing.credit_memos(svc, customer_id, limit, present.uncursor(after, int))
    return present.page(items, nxt)


@router.get("/customers/{customer_id}/coupons", response_model=s.CouponPage)
def coupons(customer_id: CustomerId, svc: Service, _: Cashier, limit: Limit = 50,
            after: After = None) -> Any:
    items, nxt = listing.coupons(svc, customer_id, limit, present.uncursor(after, int))
    return present.page(items, nxt)


@router.post("/customers/{customer_id}/adjustments", response_model=s.AdjustmentOut,
             status_code=201)
def adjust(customer_id: CustomerId, body: s.AdjustBody, svc: Service, key: Manager) -> Any:
    data = with_user(body.model_dump(exclude_unset=True), key)
    done = svc.adjust({**data, "customer": customer_id})
    # a repeat of a known id answers exactly as the first post did (C5)
    kept = {k: v for k, v in done.data.items() if k != "repeated"}
    return {**kept, "balance": present.balance(svc.balance(customer_id, body.date))}
