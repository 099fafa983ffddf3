"""What a point of sale calls: quotes, invoices, payments, returns, voids, conversions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from patronage.entrypoints.api import present
from patronage.entrypoints.api import schemas as s
from patronage.entrypoints.api.deps import Cashier, Manager, OneHop, Service
from patronage.entrypoints.api.routes.customers import with_user
from patronage.entrypoints.api.routes.links import LinkQuery, with_link
from patronage.service import inputs as i
from patronage.service.views import Balance, InvoiceView

router = APIRouter(prefix="/v1", tags=["point of sale"], route_class=OneHop)
InvoiceId = Annotated[str, Path(min_length=1, max_length=100)]
StoreQuery = Annotated[int | None, Query(ge=1, le=2_000_000_000,
                                         description="the store, when ids repeat across stores")]


def answer(view: InvoiceView) -> dict[str, Any]:
    """The invoice with the balance its command read in the same transaction."""
    return present.invoice(view, view.balance)


@router.post("/quotes", response_model=s.QuoteOut,
             summary="What a cart would earn and what can pay for it; changes nothing")
def quote(body: s.QuoteBody, svc: Service, _: Cashier,
          explain: Annotated[bool, Query(description="say why each line earns what it "
                                         "does")] = False) -> Any:
    data = body.model_dump(exclude_unset=True)
    return svc.quote({**data, "id": data.get("id") or "quote"}, explain=explain)


@router.post("/invoices", response_model=s.InvoiceOut, status_code=201)
def post_invoice(body: i.InvoiceIn, svc: Service, _: Cashier, link: LinkQuery = False) -> Any:
    return with_link(svc, answer(svc.post_invoice(body, with_balance=True)), link)


@router.get("/invoices/{invoice_id}", response_model=s.InvoiceOut)
def get_invoice(invoice_id: InvoiceId, svc: Service, _: Cashier, store: StoreQuery = None,
                link: LinkQuery = False) -> Any:
    return with_link(svc, present.invoice(svc.invoice(invoice_id, store)), link)


@router.post("/invoices/{invoice_id}/payments", response_model=s.InvoiceOut, status_code=201)
def post_payment(invoice_id: InvoiceId, body: s.PaymentBody, svc: Service, _: Cashier,
                 link: LinkQuery = False) -> Any:
    return with_link(svc, answer(svc.post_payment({**body.model_dump(exclude_unset=True),
                                                   "invoice": invoice_id}, with_balance=True)),
                     link)


@router.post("/returns", response_model=s.ReturnOut, status_code=201)
def post_return(body: i.ReturnIn, svc: Service, _: Cashier) -> Any:
    data = svc.post_return(body, with_balance=True).data
    after = data.get("balance")  # read in the return's own transaction
    return {"id": data["return"], "amount": data["amount"], "points_taken": data["points_taken"],
            "balance": present.balance(after if isinstance(after, Balance) else None)}


@router.post("/invoices/{invoice_id}/void", response_model=s.InvoiceOut)
def void(invoice_id: InvoiceId, svc: Service, key: Manager, body: s.VoidBody | None = None) -> Any:
    data = with_user(body.model_dump(exclude_unset=True) if body else {}, key)
    return answer(svc.void_invoice({**data, "invoice": invoice_id}, with_balance=True))


@router.post("/invoices/{invoice_id}/convert", response_model=s.InvoiceOut,
             summary="Turn a layaway into a sale (it earns on the conversion date)")
def convert(invoice_id: InvoiceId, svc: Service, _: Cashier,
            body: s.ConvertBody | None = None) -> Any:
    data = body.model_dump(exclude_unset=True) if body else {}
    return answer(svc.convert_layaway({**data, "invoice": invoice_id}, with_balance=True))
