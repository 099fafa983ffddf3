"""What a point of sale calls: quotes, invoices, payments, returns, voids, conversions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from patronage.entrypoints.api import present
from patronage.entrypoints.api import schemas as s
from patronage.entrypoints.api.deps import Cashier, Manager, Service
from patronage.entrypoints.api.routes.customers import with_user
from patronage.service import inputs as i
from patronage.service.app import Patronage
from patronage.service.views import Balance, InvoiceView

router = APIRouter(prefix="/v1", tags=["point of sale"])
InvoiceId = Annotated[str, Path(min_length=1, max_length=100)]
StoreQuery = Annotated[int | None, Query(ge=1, le=2_000_000_000,
                                         description="the store, when ids repeat across stores")]


def after(svc: Patronage, customer: str | None) -> Balance | None:
    return svc.balance(customer) if customer else None


def answer(svc: Patronage, view: InvoiceView) -> dict[str, Any]:
    return present.invoice(view, after(svc, view.customer))


@router.post("/quotes", response_model=s.QuoteOut,
             summary="What a cart would earn and what can pay for it; changes nothing")
def quote(body: s.QuoteBody, svc: Service, _: Cashier) -> Any:
    data = body.model_dump(exclude_unset=True)
    return svc.quote({**data, "id": data.get("id") or "quote"})


@router.post("/invoices", response_model=s.InvoiceOut, status_code=201)
def post_invoice(body: i.InvoiceIn, svc: Service, _: Cashier) -> Any:
    return answer(svc, svc.post_invoice(body))


@router.get("/invoices/{invoice_id}", response_model=s.InvoiceOut)
def get_invoice(invoice_id: InvoiceId, svc: Service, _: Cashier, store: StoreQuery = None) -> Any:
    return present.invoice(svc.invoice(invoice_id, store))


@router.post("/invoices/{invoice_id}/payments", response_model=s.InvoiceOut, status_code=201)
def post_payment(invoice_id: InvoiceId, body: s.PaymentBody, svc: Service, _: Cashier) -> Any:
    return answer(svc, svc.post_payment({**body.model_dump(exclude_unset=True),
                                         "invoice": invoice_id}))


@router.post("/returns", response_model=s.ReturnOut, status_code=201)
def post_return(body: i.ReturnIn, svc: Service, _: Cashier) -> Any:
    data = svc.post_return(body).data
    customer = body.customer
    if customer is None and body.invoice is not None:
        customer = svc.invoice(body.invoice).customer
    return {"id": data["return"], "amount": data["amount"], "points_taken": data["points_taken"],
            "balance": present.balance(after(svc, customer))}


@router.post("/invoices/{invoice_id}/void", response_model=s.InvoiceOut)
def void(invoice_id: InvoiceId, svc: Service, key: Manager, body: s.VoidBody | None = None) -> Any:
    data = with_user(body.model_dump(exclude_unset=True) if body else {}, key)
    return answer(svc, svc.void_invoice({**data, "invoice": invoice_id}))


@router.post("/invoices/{invoice_id}/convert", response_model=s.InvoiceOut,
             summary="Turn a layaway into a sale (it earns on the conversion date)")
def convert(invoice_id: InvoiceId, svc: Service, _: Cashier,
            body: s.ConvertBody | None = None) -> Any:
    data = body.model_dump(exclude_unset=True) if body else {}
    return answer(svc, svc.convert_layaway({**data, "invoice": invoice_id}))
