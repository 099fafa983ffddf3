"""The typed bodies and answers: the server's own Pydantic models, so client and server
can never disagree on a field.

Answers (`InvoiceOut`, `BalanceOut`, ...) come from entrypoints/api/schemas.py, bodies
(`InvoiceIn`, `ReturnIn`, ...) from service/inputs.py. Neither imports the web framework
or the database (tests/client/test_imports.py keeps it so). Money is `Decimal` both ways:
the bodies refuse floats, and answers parse the API's decimal strings.
"""

from __future__ import annotations

from patronage.entrypoints.api.schemas import (
    AdjustBody,
    AdjustmentOut,
    BalanceOut,
    CardBody,
    CardOut,
    ConvertBody,
    CouponOut,
    CreditMemoOut,
    CustomerBody,
    CustomerOut,
    EnrollBody,
    EnrollmentOut,
    Expiring,
    Health,
    InvoiceOut,
    MaintenanceOut,
    PaymentBody,
    QuoteBody,
    QuoteOut,
    ReceiptLine,
    ReturnOut,
    ShopOut,
    VoidBody,
)
from patronage.service.inputs import (
    Input,
    InvoiceIn,
    LineIn,
    MaintenanceIn,
    ProgramIn,
    RedeemIn,
    ReturnIn,
    ReturnLineIn,
    ShopIn,
    TenderIn,
)

__all__ = [
    "AdjustBody", "AdjustmentOut", "BalanceOut", "CardBody", "CardOut", "ConvertBody",
    "CouponOut", "CreditMemoOut", "CustomerBody", "CustomerOut", "EnrollBody", "EnrollmentOut",
    "Expiring", "Health", "Input", "InvoiceIn", "InvoiceOut", "LineIn", "MaintenanceIn",
    "MaintenanceOut", "PaymentBody", "ProgramIn", "QuoteBody", "QuoteOut", "ReceiptLine",
    "RedeemIn", "ReturnIn", "ReturnLineIn", "ReturnOut", "ShopIn", "ShopOut", "TenderIn",
    "VoidBody",
]
