"""A typed Python client for the Patronage REST API, for points of sale and scripts.

    from patronage.client import PatronageClient, PatronageApiError

    with PatronageClient("http://127.0.0.1:8000", api_key) as pos:
        customer = pos.find_card("4000123")
        sale = pos.post_invoice({"id": "INV-1", "store": 1, "customer": customer.id,
                                 "lines": [{"sku": "TIRE", "qty": "2", "price": "50.00"}]})

Answers are the server's own Pydantic models (money as `Decimal`); every refusal raises
`PatronageApiError` with the API's stable `code`; transient faults are retried with
backoff and every write carries one Idempotency-Key across its retries (docs/
pos-integration.md, "Python client"). Importing it loads neither the web framework nor
the database layer.
"""

from __future__ import annotations

from patronage.client import models
from patronage.client.errors import FieldProblem, PatronageApiError
from patronage.client.models import *  # every body and answer, as models lists them
from patronage.client.retry import RetryPolicy
from patronage.client.sync import PatronageClient

__all__ = ["FieldProblem", "PatronageApiError", "PatronageClient", "RetryPolicy"]
__all__ += models.__all__
