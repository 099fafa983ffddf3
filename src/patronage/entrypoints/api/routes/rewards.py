"""Credit memos and coupons by hand: issue one to any customer, cancel an open one
(issue 21 item 7; service/rewards_manual.py). The manager role, as for adjustments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path

from patronage.entrypoints.api import schemas as s
from patronage.entrypoints.api.deps import Manager, OneHop, Service
from patronage.entrypoints.api.records import ApiKey
from patronage.entrypoints.api.routes.customers import CustomerId, with_user
from patronage.service import rewards_manual
from patronage.service.app import Patronage
from patronage.service.uow import Tx

router = APIRouter(prefix="/v1", tags=["rewards by hand"], route_class=OneHop)
RewardId = Annotated[int, Path(ge=1, le=2**62)]


@router.post("/customers/{customer_id}/credit-memos", response_model=s.RewardOut,
             status_code=201, summary="Issue a credit memo by hand")
def issue_credit_memo(customer_id: CustomerId, body: s.CreditMemoIssueBody, svc: Service,
                      key: Manager) -> Any:
    data = {**with_user(body.model_dump(exclude_unset=True), key), "customer": customer_id}
    return svc.run(lambda tx: rewards_manual.issue_credit_memo(tx, data), user=data["user"])


@router.post("/customers/{customer_id}/coupons", response_model=s.RewardOut, status_code=201,
             summary="Issue a coupon by hand")
def issue_coupon(customer_id: CustomerId, body: s.CouponIssueBody, svc: Service,
                 key: Manager) -> Any:
    data = {**with_user(body.model_dump(exclude_unset=True), key), "customer": customer_id}
    return svc.run(lambda tx: rewards_manual.issue_coupon(tx, data), user=data["user"])


@router.post("/credit-memos/{memo_id}/cancel", response_model=s.RewardOut,
             summary="Cancel an open credit memo: what remained goes back to its reason")
def cancel_credit_memo(memo_id: RewardId, svc: Service, key: Manager,
                       body: s.RewardCancelBody | None = None) -> Any:
    return _cancel(rewards_manual.cancel_credit_memo, memo_id, svc, key, body)


@router.post("/coupons/{coupon_id}/cancel", response_model=s.RewardOut,
             summary="Cancel an open coupon: its amount goes back to its reason")
def cancel_coupon(coupon_id: RewardId, svc: Service, key: Manager,
                  body: s.RewardCancelBody | None = None) -> Any:
    return _cancel(rewards_manual.cancel_coupon, coupon_id, svc, key, body)


def _cancel(cancel: Callable[[Tx, int, Any], dict[str, Any]], reward_id: int, svc: Patronage,
            key: ApiKey, body: s.RewardCancelBody | None) -> Any:
    data = with_user(body.model_dump(exclude_unset=True) if body else {}, key)
    return svc.run(lambda tx: cancel(tx, reward_id, data), user=data["user"])
