"""The step vocabulary of scenario files, and the slice of the facade it drives.

Each action names the input model that judges its body's keys (in the loader) and the
facade call that performs it (in the runner), so the two can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from patronage.service import campaigns as _campaigns
from patronage.service import inputs
from patronage.service.views import CustomerView, InvoiceView

EXPECT = "expect"
"""The step that checks instead of acting; its schema lives in `expect.py`."""


class Facade(Protocol):
    """What the simulator needs of `patronage.service.app.Patronage`."""

    def configure_shop(self, body: Any) -> object: ...
    def put_program(self, body: Any) -> object: ...
    def change_program(self, program_id: str, changes: dict[str, Any]) -> object: ...
    def put_customer(self, body: Any) -> object: ...
    def enroll(self, body: Any) -> object: ...
    def unenroll(self, body: Any) -> object: ...
    def mass_enroll(self, body: Any) -> object: ...
    def mass_unenroll(self, body: Any) -> object: ...
    def card(self, body: Any) -> object: ...
    def post_invoice(self, body: Any) -> object: ...
    def post_payment(self, body: Any) -> object: ...
    def post_return(self, body: Any) -> object: ...
    def void_invoice(self, body: Any) -> object: ...
    def convert_layaway(self, body: Any) -> object: ...
    def adjust(self, body: Any) -> object: ...
    def run_maintenance(self, body: Any) -> object: ...
    def process_awards(self, body: Any) -> object: ...
    def customer(self, customer_id: str, as_of: dt.date | None = None) -> CustomerView: ...
    def invoice(self, invoice_id: str, store: int | None = None) -> InvoiceView: ...
    def journal_balances(self) -> dict[str, Decimal]: ...
    def outbox_count(self) -> int: ...
    def outbox_messages(self) -> list[dict[str, Any]]: ...
    def run(self, fn: Callable[[Any], Any], user: str | None = None) -> Any: ...


Call = Callable[[Facade, dict[str, Any]], object]


@dataclass(frozen=True)
class Action:
    """One step kind: the model its body must fit (None: see `program`) and its call."""

    model: type[inputs.Input] | None
    call: Call

    @property
    def dated(self) -> bool:
        """Whether the step's date is passed in the body (the model has a `date` field)."""
        return self.model is not None and "date" in self.model.model_fields

    def perform(self, app: Facade, body: Mapping[str, Any], day: dt.date) -> object:
        return self.call(app, {**body, "date": day} if self.dated else dict(body))


def _change_program(app: Facade, body: dict[str, Any]) -> object:
    changes = {key: value for key, value in body.items() if key != "id"}
    return app.change_program(body["id"], changes)


ACTIONS: Mapping[str, Action] = {
    "enroll": Action(inputs.EnrollIn, lambda app, body: app.enroll(body)),
    "unenroll": Action(inputs.UnenrollIn, lambda app, body: app.unenroll(body)),
    "mass_enroll": Action(inputs.MassEnrollIn, lambda app, body: app.mass_enroll(body)),
    "mass_unenroll": Action(inputs.MassUnenrollIn, lambda app, body: app.mass_unenroll(body)),
    "card": Action(inputs.CardIn, lambda app, body: app.card(body)),
    "invoice": Action(inputs.InvoiceIn, lambda app, body: app.post_invoice(body)),
    "payment": Action(inputs.PaymentIn, lambda app, body: app.post_payment(body)),
    "return": Action(inputs.ReturnIn, lambda app, body: app.post_return(body)),
    "void": Action(inputs.VoidIn, lambda app, body: app.void_invoice(body)),
    "convert_layaway": Action(inputs.ConvertIn, lambda app, body: app.convert_layaway(body)),
    "adjust": Action(inputs.AdjustIn, lambda app, body: app.adjust(body)),
    "maintenance": Action(inputs.MaintenanceIn, lambda app, body: app.run_maintenance(body)),
    "process_awards": Action(inputs.ProcessAwardsIn, lambda app, body: app.process_awards(body)),
    # A setting change: `id` plus any ProgramIn field names (checked by the loader).
    "program": Action(None, _change_program),
}

# campaigns (issue 23 item 3; docs/scenarios.md): make one, or change/stop one by its id
def _change_campaign(app: Facade, body: dict[str, Any]) -> object:
    changes = {key: value for key, value in body.items() if key != "id"}
    return app.run(lambda tx: _campaigns.change(tx, str(body["id"]), changes))


ACTIONS = {
    **ACTIONS,
    "campaign": Action(_campaigns.CampaignIn,
                       lambda app, body: app.run(lambda tx: _campaigns.create(tx, body))),
    "change_campaign": Action(_campaigns.CampaignStepChange, _change_campaign),
}

STEP_NAMES = frozenset(ACTIONS) | {EXPECT}
