"""Credit memos and coupons by hand (issue 21 item 7; seed 004: "You can manually create
rewards for clients with any status"; seed 001: "You can manually cancel the credit memo").

A manager issues a credit memo or a coupon to any customer, whatever their status or
enrollment, with a reason (its account is debited, as for an award's memo: G1), an expiry
and a note; or cancels one that is still open, which gives what remained back to the
reason's account. Each act is recorded (`manual_rewards`) with its user and note, and
written on the customer's notes. An issue with a caller's `id` is idempotent (C5): the
same body again answers as the first did, another body under that id is a `conflict`.
Cancelling a cancelled one changes nothing; a used or expired one is refused (`not_open`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from patronage.core import journal
from patronage.core.dates import add_days
from patronage.core.documents import is_repeat
from patronage.core.errors import PatronageError, Problem, not_found
from patronage.core.money import ZERO, fmt
from patronage.service import awards
from patronage.service.dates_window import check_date
from patronage.service.enrollment import need_customer
from patronage.service.inputs import (
    Code,
    Id,
    Input,
    MaybeDate,
    MaybeDays,
    Money,
    Note,
    StoreId,
    body_hash,
    parse,
)
from patronage.service.ports import Row
from patronage.service.queries import coupon_view, memo_view
from patronage.service.uow import Tx

Kind = Literal["credit_memo", "coupon"]
LABEL = {"credit_memo": "credit memo", "coupon": "coupon"}


class IssueIn(Input):
    """A credit memo or coupon by hand. `expires` (a date, or never) or `expire_days`
    from the issue day (as an award's); neither: it never expires."""

    customer: Id
    amount: Money
    reason: Code | None = None
    expires: MaybeDate = None
    expire_days: MaybeDays = None
    store: StoreId | None = None  # a credit memo's store; default the lowest active one
    note: Note | None = None
    user: Id | None = None
    date: dt.date | None = None
    id: Id | None = Field(default=None, min_length=1)


class CancelIn(Input):
    customer: Id | None = None  # when given, the memo or coupon must be this customer's
    note: Note | None = None
    user: Id | None = None
    date: dt.date | None = None


def issue_credit_memo(tx: Tx, body: Any) -> dict[str, Any]:
    return _issue(tx, "credit_memo", parse(IssueIn, body))


def issue_coupon(tx: Tx, body: Any) -> dict[str, Any]:
    b: IssueIn = parse(IssueIn, body)
    if b.store is not None:
        raise PatronageError("invalid", "a coupon has no store",
                             [Problem("store", "only a credit memo belongs to a store")])
    return _issue(tx, "coupon", b)


def _issue(tx: Tx, kind: Kind, b: IssueIn) -> dict[str, Any]:
    check_date(tx, b.date)
    day = b.date or tx.day
    need_customer(tx, b.customer, lock=True)  # then read: a twin that committed is seen
    digest = _digest(kind, b)
    if b.id is not None:
        done = tx.repo.manual_reward_by_external_id(b.id)
        if done is not None:
            is_repeat(LABEL[kind], b.id, done["body_hash"], digest)  # C5
            return {**_answer(tx, kind, done["memo_id"] or done["coupon_id"]), "repeated": True}
    expires = _expiry(b, day)
    _check_amount(b.amount)
    _check_reason(tx, b.reason)
    account = awards.credit_account(tx, b.reason)
    if kind == "credit_memo":
        store = b.store if b.store is not None else tx.repo.lowest_active_store()
        if b.store is not None and tx.repo.store(b.store) is None:
            raise not_found("store", b.store, "store")
        reward_id = tx.repo.insert_memo({
            "customer_id": b.customer, "award_id": None, "amount": b.amount,
            "remaining": b.amount, "reason": b.reason, "store_id": store, "issued_on": day,
            "expires_on": expires, "status": "open"})
        tx.repo.journal(day, "credit_memo_issue",
                        journal.transfer(account, journal.STORE_CREDIT_LIABILITY, b.amount),
                        _memo_text("credit memo issued by hand", b.note),
                        f"memo:{reward_id}", b.customer)
    else:
        reward_id = tx.repo.insert_coupon({
            "customer_id": b.customer, "award_id": None, "amount": b.amount,
            "reason": b.reason, "issued_on": day, "expires_on": expires, "status": "open"})
        awards.journal_coupon_issue(tx, reward_id, b.reason, b.amount, day, b.customer,
                                    _memo_text("coupon issued by hand", b.note))
    _record(tx, "issue", kind, reward_id, b.customer, day, b.amount, b.reason, expires,
            b.note, b.user, b.id, digest)
    until = f"until {expires.isoformat()}" if expires else "with no expiry"
    tx.repo.add_note(b.customer, day, _memo_text(
        f"{LABEL[kind].capitalize()} {reward_id} of {fmt(b.amount)} issued by hand {until}"
        + (f" (reason {b.reason})" if b.reason else ""), b.note), b.user)
    payload = {"customer": b.customer, "id": reward_id, "amount": fmt(b.amount),
               "reason": b.reason, "by_hand": True, "date": day.isoformat()}
    tx.repo.record_event(f"{kind}.issued", day, b.customer, payload, tx.now)
    return _answer(tx, kind, reward_id)


def cancel_credit_memo(tx: Tx, memo_id: int, body: Any) -> dict[str, Any]:
    b: CancelIn = parse(CancelIn, body or {})
    check_date(tx, b.date)
    day = b.date or tx.day
    memo = _held(tx, "credit_memo", memo_id, tx.repo.memo, b.customer)
    if memo["status"] == "cancelled":
        return {**_answer(tx, "credit_memo", memo_id), "repeated": True}
    _still_open(memo, "credit_memo", day)
    tx.repo.set_memo_status(memo_id, "cancelled")
    tx.repo.journal(day, "credit_memo_cancel",
                    journal.transfer(journal.STORE_CREDIT_LIABILITY,
                                     awards.credit_account(tx, memo["reason"]), memo["remaining"]),
                    _memo_text("credit memo cancelled by hand", b.note), f"memo:{memo_id}",
                    memo["customer_id"])
    _cancelled(tx, "credit_memo", memo, memo["remaining"], day, b)
    return _answer(tx, "credit_memo", memo_id)


def cancel_coupon(tx: Tx, coupon_id: int, body: Any) -> dict[str, Any]:
    b: CancelIn = parse(CancelIn, body or {})
    check_date(tx, b.date)
    day = b.date or tx.day
    coupon = _held(tx, "coupon", coupon_id, lambda pk: _coupon(tx, pk), b.customer)
    if coupon["status"] == "cancelled":
        return {**_answer(tx, "coupon", coupon_id), "repeated": True}
    _still_open(coupon, "coupon", day)
    tx.repo.update_coupon(coupon_id, status="cancelled")
    awards.journal_coupon_release(tx, coupon, "coupon_cancel", coupon["amount"], day,
                                  _memo_text("coupon cancelled by hand", b.note))
    _cancelled(tx, "coupon", coupon, coupon["amount"], day, b)
    return _answer(tx, "coupon", coupon_id)


# --- the parts ------------------------------------------------------------------------------

def _digest(kind: Kind, b: IssueIn) -> str:
    """C5: what was asked, not who asked (a file run again by another user is a repeat)."""
    return body_hash(b.model_copy(update={"user": None, "id": f"{kind}:{b.id}"}))


def _expiry(b: IssueIn, day: dt.date) -> dt.date | None:
    if b.expires is not None and b.expire_days is not None:
        raise PatronageError("invalid", "give expires or expire_days, not both",
                             [Problem("expire_days", "not with expires")])
    expires = b.expires if b.expires is not None else add_days(day, b.expire_days)
    if expires is not None and expires <= day:
        raise PatronageError("invalid", f"it would expire on {expires}, not after its issue "
                             f"on {day}", [Problem("expires", f"must be after {day}")])
    return expires


def _check_amount(amount: Decimal) -> None:
    if amount <= ZERO:
        raise PatronageError("invalid", f"the amount {fmt(amount)} is not above 0",
                             [Problem("amount", "must be above 0")])


def _check_reason(tx: Tx, reason: str | None) -> None:
    """A reason names an account of the journal: a typo must not open a new account."""
    if reason is not None and tx.repo.reason(reason) is None:
        raise PatronageError("invalid", f"there is no reason {reason!r}",
                             [Problem("reason", "not one of the shop's reasons")])


def _coupon(tx: Tx, coupon_id: int) -> Row | None:
    return tx.repo.coupon(coupon_id)


def _held(tx: Tx, kind: Kind, reward_id: int, read: Any, customer: str | None) -> Row:
    """The memo or coupon, read again under its customer's lock (as every command about
    that customer takes it): a use or a twin cancel that committed meanwhile is seen.
    Another customer's than the one named is not found."""
    found = read(reward_id)
    if found is None or customer not in (None, found["customer_id"]):
        raise not_found(LABEL[kind], reward_id, "id")
    tx.repo.customer(found["customer_id"], lock=True)
    row: Row = read(reward_id)
    return row


def _still_open(row: Row, kind: Kind, day: dt.date) -> None:
    expired = row["expires_on"] is not None and row["expires_on"] <= day
    if row["status"] == "open" and not expired:
        return
    status = "expired" if row["status"] == "open" else row["status"]
    raise PatronageError("not_open", f"{LABEL[kind]} {row['id']} is {status}: only an open one "
                         "can be cancelled", [Problem("id", f"{LABEL[kind]} is {status}")])


def _cancelled(tx: Tx, kind: Kind, row: Row, amount: Decimal, day: dt.date,
               b: CancelIn) -> None:
    _record(tx, "cancel", kind, row["id"], row["customer_id"], day, amount, row["reason"],
            row["expires_on"], b.note, b.user, None, None)
    tx.repo.add_note(row["customer_id"], day, _memo_text(
        f"{LABEL[kind].capitalize()} {row['id']} cancelled by hand ({fmt(amount)} "
        "given back)", b.note), b.user)


def _record(tx: Tx, action: str, kind: Kind, reward_id: int, customer: str, day: dt.date,
            amount: Decimal, reason: str | None, expires: dt.date | None, note: str | None,
            user: str | None, external_id: str | None, digest: str | None) -> None:
    tx.repo.insert_manual_reward(
        external_id=external_id, action=action, kind=kind,
        memo_id=reward_id if kind == "credit_memo" else None,
        coupon_id=reward_id if kind == "coupon" else None, customer_id=customer, date=day,
        amount=amount, reason=reason, expires_on=expires, note=note, user=user,
        body_hash=digest, recorded_at=tx.now)


def _memo_text(text: str, note: str | None) -> str:
    return f"{text}: {note}"[:300] if note else text


def _answer(tx: Tx, kind: Kind, reward_id: int) -> dict[str, Any]:
    """The memo or coupon as it stands: `credit_memo` or `coupon`, the customer's view."""
    if kind == "credit_memo":
        memo = tx.repo.memo(reward_id)
        if memo is None:
            raise not_found(LABEL[kind], reward_id, "id")
        return {"kind": kind, "customer": memo["customer_id"], "credit_memo": memo_view(memo),
                "coupon": None, "repeated": False}
    coupon = _coupon(tx, reward_id)
    if coupon is None:
        raise not_found(LABEL[kind], reward_id, "id")
    return {"kind": kind, "customer": coupon["customer_id"], "credit_memo": None,
            "coupon": coupon_view(coupon), "repeated": False}
