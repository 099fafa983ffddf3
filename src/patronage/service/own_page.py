"""What a customer's own page shows (P1, P5 of docs/decisions.md): read only, reached by a
signed link (customer_links.py), never by a login.

`open_page` checks the token (P1) and gathers the page: the shop's name, the balance
(available, pending, what expires when, per program), open credit memos and coupons, the recent history
in plain words, and the status tier held (issue 23 item 1, T9) when a program has tiers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from patronage.core import history
from patronage.core import links as rules
from patronage.core.errors import PatronageError
from patronage.service import queries, reports
from patronage.service.customer_links import settings, signing_key
from patronage.service.uow import Tx
from patronage.service.views import Balance, CouponView, CreditMemoView

HISTORY_LINES = 20


@dataclass(frozen=True)
class OwnPage:
    shop_name: str
    currency: str
    customer_name: str
    balances: list[Balance]  # one per open enrollment (E1 `many`); none: not enrolled
    credit_memos: list[CreditMemoView]  # open ones: what the customer can spend
    coupons: list[CouponView]  # open ones
    history: list[history.Line]  # newest first
    tier: str | None  # the status tier held (T9), of the first program with one; None: none
    link_expires: dt.datetime


def open_page(tx: Tx, token: str) -> tuple[str | None, OwnPage | None]:
    """(None, the page) for a live link; (why not, None) otherwise: core/links.py's
    FORGED, EXPIRED, REVOKED or UNKNOWN, for the log only."""
    key = signing_key(tx, settings(), make=False)
    claim = rules.read(key, token) if key is not None else None
    row = tx.repo.customer_link(claim.link_id) if claim else None
    found = None if row is None else rules.LinkRow(
        row["id"], row["customer_id"], row["expires_at"], row["revoked_at"], row["created_by"])
    why = rules.verdict(claim, found, tx.now)
    if why is not None or claim is None or found is None:
        return why or rules.FORGED, None
    try:
        view = queries.customer(tx, claim.customer_id)
    except PatronageError:
        return rules.UNKNOWN, None
    shop = tx.repo.shop()
    balances = queries.balances(tx, claim.customer_id)
    return None, OwnPage(
        shop_name=str(shop["name"]) if shop and shop["name"] else "Our shop",
        currency=str(shop["currency"]) if shop and shop["currency"] else "",
        customer_name=view.name or "",
        balances=balances,
        credit_memos=[m for m in view.credit_memos if m.status == "open"],
        coupons=[c for c in view.coupons if c.status == "open"],
        history=history.lines(reports.customer_ledger(tx, claim.customer_id, limit=200),
                              HISTORY_LINES),
        tier=next((b.tier for b in balances if b.tier), None),  # T9: the first program's
        link_expires=found.expires_at,
    )
