"""POS documents that earn and spend: invoices (A1-A6, C2-C5), payments, layaway conversion.

`plan_checkout` decides coupons, rewards and credit on an invoice without writing, so the
quote (C1) and the post share one set of rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from patronage.core import journal, quoting
from patronage.core.awards import checks_at_accrual
from patronage.core.documents import is_repeat
from patronage.core.earning import (
    NEVER_EARNING_TYPES,
    Earning,
    Line,
    Rate,
    Sale,
    line_eligible,
    rate_for,
)
from patronage.core.earning import earns_in as core_earns_in
from patronage.core.earning import eligible_amount as eligible_of
from patronage.core.entries import EntryKind
from patronage.core.errors import PatronageError, Problem, not_found
from patronage.core.explain import accrual
from patronage.core.money import CENT, ZERO, fmt
from patronage.core.programs import Program
from patronage.core.redeeming import (
    RedeemRules,
    check_still_there,
    credit_maximum,
    memo_order,
    redeemable_points,
    refusal,
    spread_credit,
    still_open,
)
from patronage.core.returns import SoldLine
from patronage.service import awards, bonuses, explaining, ledger, memberships
from patronage.service.dates_window import check_date
from patronage.service.inputs import ConvertIn, InvoiceIn, PaymentIn, body_hash, parse
from patronage.service.ports import Row, Rows
from patronage.service.uow import Tx

CASH_EQUIVALENTS = frozenset({"cash", "check", "card"})
NOT_SELLING = frozenset({"return", "gift_card_sale", "layaway"})


def to_line(x: Any) -> Line:
    return Line(sku=x.sku, item_type=x.item_type, qty=x.qty, price=x.price, discount=x.discount,
                product_line=x.product_line, sub_department=x.sub_department, vendor=x.vendor,
                manufacturer=x.manufacturer)


@dataclass
class Checkout:
    """What an invoice will take: coupons, rewards, credit. Nothing written yet."""

    subtotal: Decimal
    tax: Decimal
    enrollment: Row | None = None
    program: Program | None = None
    coupons: list[tuple[Row, Decimal]] = field(default_factory=list)
    reward_points: int = 0
    rewards: Decimal = ZERO
    rewards_max: Decimal = ZERO
    rewards_base: Decimal = ZERO  # what points may pay for on it (C2), before R8's share
    redeem_rules: RedeemRules | None = None  # R6-R8, when a points bank was asked
    memos: list[tuple[Row, Decimal]] = field(default_factory=list)
    open_memos: list[Row] | None = None  # the customer's open memos, when read
    credit: Decimal = ZERO
    credit_max: Decimal = ZERO

    @property
    def discount(self) -> Decimal:
        mode = self.program.redeem_as if self.program else "payment"
        return sum((a for _, a in self.coupons), ZERO) + (self.rewards if mode == "discount" else ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount + self.tax


def open_memos(tx: Tx, customer_id: str, day: dt.date) -> list[Row]:
    memos = [m for m in tx.repo.memos(customer_id)  # C4: read after the customer's lock
             if still_open(m["status"], m["expires_on"], day, m["remaining"])]
    return sorted(memos, key=lambda m: memo_order(m["expires_on"], m["issued_on"], m["id"]))


def plan_checkout(tx: Tx, b: InvoiceIn, day: dt.date, lines: list[Line],
                  maxima: bool = True) -> Checkout:
    """`maxima`: work out what the customer could redeem (the quote shows it) even where the
    invoice redeems nothing; a post needs them only to check what it redeems."""
    co = Checkout(subtotal=sum((x.amount for x in lines), ZERO), tax=b.tax)
    if b.customer is None:
        if b.redeem and (b.redeem.rewards or b.redeem.credit_memos):
            raise PatronageError("not_enrolled", "a sale with no customer cannot redeem",
                                 [Problem("customer", "required to redeem")])
        return co
    co.enrollment = redeeming_enrollment(tx, b)
    co.program = tx.repo.program(co.enrollment["program_id"]) if co.enrollment else None
    gift = sum((x.amount for x in lines if x.item_type == "gift_card"), ZERO)
    if b.type not in NOT_SELLING:
        left = co.subtotal
        for c in tx.repo.open_coupons(b.customer):
            if still_open(c["status"], c["expires_on"], day):  # C4: not one used meanwhile
                use = min(c["amount"], left)
                co.coupons.append((c, use))
                left -= use
    asked = b.redeem.rewards if b.redeem else None
    if asked is not None or maxima:
        _plan_rewards(tx, co, b, day, gift, asked)
    asked_credit = b.redeem.credit_memos if b.redeem else None
    if asked_credit is None and not maxima:
        return co
    memos = co.open_memos = open_memos(tx, b.customer, day)
    shop = tx.repo.shop()
    allow_gift = bool(shop and shop["allow_credit_for_gift_cards"])
    owed = co.total - (co.rewards if co.program and co.program.redeem_as == "payment" else ZERO)
    owed -= ZERO if allow_gift else gift
    co.credit_max = credit_maximum(sum((m["remaining"] for m in memos), ZERO), owed)  # C3
    if asked_credit is not None:
        amount = co.credit_max if asked_credit == "all" else asked_credit
        check_still_there("credit", amount, co.credit_max)  # C4
        co.credit = amount
        uses = spread_credit([m["remaining"] for m in memos], amount)
        co.memos = [(m, use) for m, use in zip(memos, uses, strict=True) if use > 0]
    return co


def redeeming_enrollment(tx: Tx, b: InvoiceIn) -> Row | None:
    """C2 with E1 `many`: the enrollment whose points pay, named by `redeem.program`, or the
    customer's only points-bank one; several and none named is refused when rewards are
    asked (a quote without them shows the oldest). With `one`: the open enrollment."""
    if b.customer is None:
        return None
    if not memberships.many(tx):
        return tx.repo.open_enrollment(b.customer)
    named = b.redeem.program if b.redeem else None
    asked = b.redeem is not None and b.redeem.rewards is not None
    if named is None and not asked:
        held = memberships.enrollments_for(tx, b.customer)
        banks = [e for e in held if _is_bank(tx, e)]
        first = banks or held
        return first[0] if first else None
    return memberships.named_enrollment(tx, b.customer, named, "redeem.program",
                                        among=lambda e: _is_bank(tx, e))


def _is_bank(tx: Tx, enrollment: Row) -> bool:
    program = tx.repo.program(enrollment["program_id"])
    return program is not None and program.kind == "points_bank"


def _plan_rewards(tx: Tx, co: Checkout, b: InvoiceIn, day: dt.date, gift: Decimal,
                  asked: Decimal | str | None) -> None:
    p, e = co.program, co.enrollment
    if p is None or e is None or p.kind != "points_bank" or not p.point_value:
        if asked is not None:
            raise PatronageError("not_enrolled", "the customer has no rewards to redeem",
                                 [Problem("redeem.rewards", "needs a points_bank enrollment")])
        return
    base = co.subtotal - sum((a for _, a in co.coupons), ZERO)
    if p.redeem_as == "payment" and p.may_pay_sales_tax:
        base += co.tax
    if not p.may_pay_gift_cards:
        base -= gift
    points = max(0, ledger.available_points(tx, e["id"], day))
    rules = redeem_rules(p)
    co.rewards_base, co.redeem_rules = base, rules
    max_points = redeemable_points(points, base, p.point_value, rules)  # C2 with R6-R8
    co.rewards_max = (max_points * p.point_value).quantize(CENT)  # exact: whole cents
    if asked is None:
        return
    amount = co.rewards_max if asked == "all" else Decimal(asked)
    if amount < 0:  # refused at the edge too: a negative redemption would give points
        raise PatronageError("invalid", f"rewards {fmt(amount)} are negative",
                             [Problem("redeem.rewards", "must not be negative")])
    whole = amount / p.point_value
    if whole != whole.to_integral_value():
        raise PatronageError("not_whole_points",
                             f"{fmt(amount)} is not a whole number of points at {p.point_value} each",
                             [Problem("redeem.rewards", "must be a whole number of points")])
    refused = refusal(int(whole), amount, points, base, rules)
    if refused is not None:
        raise refused
    check_still_there("rewards", amount, co.rewards_max)  # C4
    co.rewards, co.reward_points = amount, int(whole)


def redeem_rules(program: Program) -> RedeemRules:
    return RedeemRules(program.redeem_min_points, program.redeem_step_points,
                       program.redeem_max_share_percent)


def redeem_limits(co: Checkout) -> dict[str, Any] | None:
    """C1 with R6-R8: each limit of the redemption and what it allows on this cart
    (core/quoting.py `redeem_limits`)."""
    return quoting.redeem_limits(co.redeem_rules, co.rewards_base, co.rewards_max,
                                 co.program.point_value if co.program else None)


def validate_refs(tx: Tx, store: int, customer: str | None, lock: bool = True) -> Row | None:
    """The store must exist; the customer too, whose row is locked (on PostgreSQL) before
    anything about them is read (not for a quote, `lock=False`: it decides nothing, is
    rolled back, and need not wait for a post of the same customer). Returns the
    customer's row, None for a walk-in sale."""
    if not tx.repo.store_exists(store):
        raise not_found("store", store, "store")
    if customer is None:
        return None
    row = tx.repo.customer(customer, lock=lock)
    if row is None:
        raise not_found("customer", customer, "customer")
    return row


def hold_invoice(tx: Tx, inv: Row) -> Row:
    """Lock what a command on a posted invoice decides on, then read the invoice again:
    its customer's row (as every command about that customer does), or the invoice's own
    row for a sale without a customer. A twin that committed while we waited is seen."""
    if inv["customer_id"]:
        tx.repo.customer(inv["customer_id"], lock=True)
        fresh = tx.repo.invoice_by_pk(inv["id"])
    else:
        fresh = tx.repo.lock_invoice(inv["id"])
    if fresh is None:
        raise not_found("invoice", inv["external_id"], "invoice")
    return fresh


def post_invoice(tx: Tx, body: Any) -> int:
    """A1-A6, C2-C5."""
    b: InvoiceIn = parse(InvoiceIn, body)
    check_date(tx, b.date)
    day = b.date or tx.day
    digest = body_hash(b)
    customer = validate_refs(tx, b.store, b.customer)  # the customer's row locked first
    existing = tx.repo.find_invoice(b.id, b.store)  # then C5: a twin that committed is seen
    if existing is not None and existing["store_id"] == b.store \
            and is_repeat("invoice", b.id, existing["body_hash"], digest):
        return int(existing["id"])
    lines = [to_line(x) for x in b.lines]
    for i, line in enumerate(lines):
        if line.amount < 0:
            raise PatronageError("invalid", f"line {i + 1}: discount exceeds the line amount",
                                 [Problem(f"lines.{i}.discount", "more than qty x price")])
    co = plan_checkout(tx, b, day, lines, maxima=False)
    tenders = [(p.tender, p.amount) for p in b.payments]
    if co.rewards and co.program and co.program.redeem_as == "payment":
        tenders.append(("rewards", co.rewards))
    if co.credit:
        tenders.append(("store_credit", co.credit))
    paid = sum((a for _, a in tenders), ZERO)
    now = earned_at_post(tx, b, day, lines, co, tenders, customer)
    pk = tx.repo.insert_invoice({
        "store_id": b.store, "external_id": b.id, "customer_id": b.customer, "date": day,
        "type": b.type, "job_type": b.job_type, "body_hash": digest, "status": "posted",
        "subtotal": co.subtotal, "loyalty_discount": co.discount, "tax": b.tax, "total": co.total,
        "redeemed_rewards": co.rewards, "credit_applied": co.credit,
        "paid": paid, "returned_value": ZERO, "eligible_amount": ZERO, "points": 0,
        "accrued": False,
        **({} if now is None else {
            "accrued": True, "accrual_date": day, "points": now.points,
            "enrollment_id": now.enrollment["id"], "rate": now.rate.to_json(),
            "eligible_amount": now.eligible}),
    })
    earns = now.earns if now is not None else [False] * len(lines)
    tx.repo.insert_lines([
        {"invoice_id": pk, "line_no": i, "sku": x.sku, "item_type": x.item_type,
         "product_line": x.product_line, "sub_department": x.sub_department, "vendor": x.vendor,
         "manufacturer": x.manufacturer, "qty": x.qty, "price": x.price, "discount": x.discount,
         "amount": x.amount, "eligible": earns[i], "returned_qty": Decimal(0)}
        for i, x in enumerate(lines)
    ])
    for tender, amount in tenders:
        tx.repo.insert_payment({"store_id": b.store, "external_id": None, "invoice_id": pk,
                                "date": day, "tender": tender, "amount": amount})
    _spend(tx, co, pk, b, day)
    if b.customer is not None:
        tx.repo.note_activity(day)
    if now is None:
        try_accrue(tx, pk, day)  # paid later, several programs, or nothing to earn
        return pk
    if now.points > 0:
        ledger.accrue(tx, now.enrollment, now.program, now.points, day, invoice_id=pk,
                      ref=f"invoice {b.id}", link_invoice=True)
    accrued(tx, now.enrollment, now.program, pk, b.id, b.customer, b.store, now.rate,
            now.points, day)
    return pk


@dataclass(frozen=True)
class EarnedNow:
    """A1-A6 decided for a new invoice before it is written: it accrues at once in its
    one program (E1 `one`), with these lines earning, this eligible amount and rate."""

    enrollment: Row
    program: Program
    earns: list[bool]
    eligible: Decimal
    rate: Rate
    points: int


def earned_at_post(tx: Tx, b: InvoiceIn, day: dt.date, lines: list[Line], co: Checkout,
                   tenders: list[tuple[str, Decimal]],
                   customer: Row | None) -> EarnedNow | None:
    """What a new invoice earns at once, decided from what the post has read already (the
    customer's locked row, the checkout's enrollment and program): so the invoice and its
    lines are written once, earning, and nothing is read back. None when it does not
    accrue now (A5 paid_in_full not yet paid, A1 not earning) or with E1 `many`, where
    `try_accrue` decides after the write, program by program."""
    enrollment, program = co.enrollment, co.program
    if customer is None or enrollment is None or program is None or memberships.many(tx):
        return None
    if not earns_in(tx, enrollment, program, b.type, day, day, customer):
        return None
    paid = sum((a for _, a in tenders), ZERO)
    if not accrual(program, paid, co.total, [tender for tender, _ in tenders]).now:
        return None
    sale = Sale(date=day, type=b.type, store=b.store, job_type=b.job_type)
    earns = [line_eligible(program, sale, x) for x in lines]
    amounts = [x.amount for x in lines]
    eligible = eligible_of(list(zip(amounts, earns, strict=True)), co.discount)
    rate = earning_rate(tx, enrollment, program, sale, lines, amounts, earns, eligible)
    return EarnedNow(enrollment, program, earns, eligible, rate, rate.points(eligible))


def accrued(tx: Tx, enrollment: Row, program: Program, invoice_id: int,
            external_id: str, customer_id: str | None, store: int, rate: Rate, points: int,
            day: dt.date) -> None:
    """After an invoice's points in `program` are written (accrual day `day`): the extras'
    bookkeeping (B1), the `points.accrued` event, and W2's award check when the lot is
    available at once."""
    bonuses.after_accrual(tx, enrollment, program, invoice_id, rate, points, day)
    if points <= 0:
        return
    tx.repo.record_event("points.accrued", day, customer_id,
                         {"customer": customer_id, "invoice": external_id, "points": points,
                          "program": program.id, "date": day.isoformat()}, tx.now)
    if checks_at_accrual(program):  # W2
        awards.check_recurring(tx, enrollment, program, day, store, "accrual")


def _spend(tx: Tx, co: Checkout, pk: int, b: InvoiceIn, day: dt.date) -> None:
    for coupon, use in co.coupons:
        tx.repo.update_coupon(coupon["id"], status="used", invoice_id=pk, applied=use,
                              forfeited=coupon["amount"] - use)
        tx.repo.journal(day, "coupon_use", journal.coupon_use(use),
                        f"coupon used on invoice {b.id}", f"coupon:{coupon['id']}", b.customer)
        awards.journal_coupon_release(tx, coupon, "coupon_forfeit", coupon["amount"] - use, day,
                                      f"coupon forfeited on invoice {b.id} (above its sale)")
    if co.reward_points and co.enrollment is not None and co.program is not None:
        ledger.debit(tx, co.enrollment, co.reward_points, day, EntryKind.REDEMPTION, invoice_id=pk,
                     ref=f"invoice {b.id}")
        ledger.book_points(tx, co.program, day, EntryKind.REDEMPTION, -co.reward_points,
                           co.enrollment["customer_id"], f"invoice {b.id}",
                           counter=co.program.report_in_sale_code or "rewards_redeemed")
    for memo, use in co.memos:
        tx.repo.use_memo(memo, pk, day, use)
        tx.repo.journal(day, "credit_memo_use",
                        journal.transfer(journal.STORE_CREDIT_LIABILITY, journal.RECEIVABLE, use),
                        f"credit memo used on invoice {b.id}", f"memo:{memo['id']}", b.customer)


def remaining_amounts(lines: Rows) -> list[tuple[Decimal, bool]]:
    """Each line's amount less what was returned (R1: core/returns.py `SoldLine.kept`), with
    its eligibility."""
    sold = (SoldLine(line_no=x["line_no"], sku=x["sku"], qty=x["qty"],
                     returned_qty=x["returned_qty"], amount=x["amount"],
                     eligible=bool(x["eligible"])) for x in lines)
    return [(line.kept, line.eligible) for line in sold]


def earning_program(tx: Tx, inv: Row, day: dt.date) -> tuple[Row, Program] | None:
    """A1/A2: the enrollment and program this invoice earns in, or None (with E1 `many`:
    the first of `earning_programs`)."""
    found = earning_programs(tx, inv, day)
    return found[0] if found else None


def earning_programs(tx: Tx, inv: Row, day: dt.date) -> list[tuple[Row, Program]]:
    """A1/A2 for each of the customer's open enrollments (one, or E1 `many`): those this
    invoice earns in, oldest first."""
    if inv["customer_id"] is None or inv["type"] in NEVER_EARNING_TYPES:
        return []
    out = []
    customer = None
    for enrollment in memberships.enrollments_for(tx, inv["customer_id"]):
        program = tx.repo.program(enrollment["program_id"])
        if program is None:
            continue
        customer = customer or tx.repo.customer(inv["customer_id"])
        if earns_in(tx, enrollment, program, inv["type"], inv["date"], day, customer):
            out.append((enrollment, program))
    return out


def earns_in(tx: Tx, enrollment: Row, program: Program, invoice_type: str,
             invoice_date: dt.date, day: dt.date, customer: Row | None) -> bool:
    """A1/A2 (core/earning.py `earns_in`) with the shop's status table read here."""
    status = customer["status"] if customer else None
    return core_earns_in(program, enrollment["start_date"], invoice_type, invoice_date, day,
                         status, lambda: tx.repo.status_included(status))


def accrual_day_of(tx: Tx, inv: Row, program: Program, earn_day: dt.date,
                   day: dt.date) -> dt.date | None:
    """A5: the day the invoice's points accrue in `program`, None while they wait."""
    if program.accrue_on != "paid_in_full":
        return earn_day
    if inv["paid"] + inv["returned_value"] < inv["total"]:
        return None
    if program.cash_equivalent_only and any(
        p["tender"] not in CASH_EQUIVALENTS for p in tx.repo.payments_of(inv["id"])
    ):
        return None
    return max(day, earn_day)


def try_accrue(tx: Tx, pk: int, day: dt.date) -> None:
    """A5/A6: accrue an invoice's points once, when its accrual event has happened."""
    inv = tx.repo.invoice_by_pk(pk)
    if inv is not None and inv["status"] == "posted" and memberships.many(tx):
        accrue_each(tx, inv, day)  # E1 `many`: in each program, each when due
        return
    if inv is None or inv["accrued"] or inv["status"] != "posted":
        return
    earn_day = inv["converted_on"] or inv["date"]
    found = earning_program(tx, inv, earn_day)
    if found is None:
        return
    enrollment, program = found
    accrual_day = accrual_day_of(tx, inv, program, earn_day, day)
    if accrual_day is None:
        return
    sale = Sale(date=earn_day, type=inv["type"], store=inv["store_id"], job_type=inv["job_type"])
    lines = tx.repo.invoice_lines(pk)
    flags, earning, stored = [], [], []
    for x in lines:
        line = _stored_line(x)
        stored.append(line)
        earns = line_eligible(program, sale, line)
        if earns:
            earning.append(x["line_no"])
        flags.append(earns or bool(x["eligible"]))
    if earning:
        tx.repo.set_lines_eligible(pk, earning)
    kept = [amount for amount, _ in remaining_amounts(lines)]  # the lines as now stored
    eligible = eligible_of(list(zip(kept, flags, strict=True)), inv["loyalty_discount"])
    rate = earning_rate(tx, enrollment, program, sale, stored, kept, flags, eligible)
    points = rate.points(eligible)
    lot_id = None
    if points > 0:
        lot_id = ledger.accrue(tx, enrollment, program, points, accrual_day, invoice_id=pk,
                               ref=f"invoice {inv['external_id']}")
    tx.repo.update_invoice(pk, accrued=True, accrual_date=accrual_day, points=points,
                           lot_id=lot_id, enrollment_id=enrollment["id"], rate=rate.to_json(),
                           eligible_amount=eligible)
    accrued(tx, enrollment, program, pk, inv["external_id"], inv["customer_id"],
            inv["store_id"], rate, points, accrual_day)


def earning_rate(tx: Tx, enrollment: Row, program: Program, sale: Sale,
                 lines: list[Line], amounts: list[Decimal], earns: list[bool],
                 eligible: Decimal, quote: bool = False) -> Rate:
    """A4's rate in `program` for this sale, with the extras of B1 (tiers, campaigns)."""
    found = Earning(sale, tuple(lines), tuple(amounts), tuple(earns), eligible,
                    rate_for(program, sale))
    return bonuses.rate_with_extras(tx, enrollment, program, found, quote=quote)


def accrue_each(tx: Tx, inv: Row, day: dt.date) -> None:
    """A5/A6 with E1 `many`: the invoice accrues once in each program it earns in, when
    that program's accrual event has happened (paid_in_full is per program), as a share of
    its own (`invoice_earnings`: lot, rate, eligible lines, points). The invoice's row
    keeps the sum of the points and the oldest enrollment's share for the rest."""
    earn_day = inv["converted_on"] or inv["date"]
    done = {s["enrollment_id"] for s in tx.repo.invoice_earnings(inv["id"])}
    sale = Sale(date=earn_day, type=inv["type"], store=inv["store_id"], job_type=inv["job_type"])
    lines = tx.repo.invoice_lines(inv["id"])
    stored = [_stored_line(x) for x in lines]
    kept = [amount for amount, _ in remaining_amounts(lines)]
    for enrollment, program in earning_programs(tx, inv, earn_day):
        accrual_day = accrual_day_of(tx, inv, program, earn_day, day)
        if enrollment["id"] in done or accrual_day is None:
            continue
        earns = [line_eligible(program, sale, line) for line in stored]
        earning = [x["line_no"] for x, flag in zip(lines, earns, strict=True) if flag]
        eligible = eligible_of(list(zip(kept, earns, strict=True)), inv["loyalty_discount"])
        rate = earning_rate(tx, enrollment, program, sale, stored, kept, earns, eligible)
        points = rate.points(eligible)
        lot_id = None
        if points > 0:
            lot_id = ledger.accrue(tx, enrollment, program, points, accrual_day, invoice_id=inv["id"],
                                   ref=f"invoice {inv['external_id']}")
        tx.repo.insert_invoice_earning({
            "invoice_id": inv["id"], "enrollment_id": enrollment["id"], "program_id": program.id,
            "accrual_date": accrual_day, "points": points, "lot_id": lot_id,
            "rate": rate.to_json(), "eligible_amount": eligible, "lines": earning})
        if earning:
            tx.repo.set_lines_eligible(inv["id"], earning)  # the union: any program's
        accrued(tx, enrollment, program, inv["id"], inv["external_id"], inv["customer_id"],
                inv["store_id"], rate, points, accrual_day)
    sum_up_shares(tx, inv["id"])


def sum_up_shares(tx: Tx, pk: int) -> None:
    """The invoice row after its shares moved (E1 `many`): points are their sum; accrued
    once any accrued; the rest (lot, rate, eligible amount) the oldest enrollment's."""
    rows = tx.repo.invoice_earnings(pk)
    if not rows:
        return
    first = rows[0]
    tx.repo.update_invoice(pk, accrued=True, points=sum(int(r["points"]) for r in rows),
                           accrual_date=min(r["accrual_date"] for r in rows),
                           lot_id=first["lot_id"], enrollment_id=first["enrollment_id"],
                           rate=first["rate"], eligible_amount=first["eligible_amount"])


def _stored_line(x: Row) -> Line:
    return Line(sku=x["sku"], item_type=x["item_type"], qty=x["qty"], price=x["price"],
                discount=x["discount"], product_line=x["product_line"],
                sub_department=x["sub_department"], vendor=x["vendor"],
                manufacturer=x["manufacturer"])


def need_invoice(tx: Tx, external_id: str, store: int | None) -> Row:
    inv = tx.repo.find_invoice(external_id, store)
    if inv is None:
        raise not_found("invoice", external_id, "invoice")
    return inv


def not_voided(inv: Row) -> None:
    if inv["status"] == "voided":
        raise PatronageError("already_voided", f"invoice {inv['external_id']!r} was voided",
                             [Problem("invoice", "voided")])


def post_payment(tx: Tx, body: Any) -> int:
    b: PaymentIn = parse(PaymentIn, body)
    check_date(tx, b.date)
    day = b.date or tx.day
    digest = body_hash(b)
    known = tx.repo.find_payment(b.store, b.id)
    if known is None:
        if tx.repo.store(b.store) is None:
            raise not_found("store", b.store, "store")
        inv = hold_invoice(tx, need_invoice(tx, b.invoice, None))
        known = tx.repo.find_payment(b.store, b.id)  # a twin committed while we waited
    if known is not None and is_repeat("payment", b.id, known["body_hash"], digest):
        return int(known["invoice_id"])
    not_voided(inv)
    tx.repo.insert_payment({"store_id": b.store, "external_id": b.id, "invoice_id": inv["id"],
                            "date": day, "tender": b.tender, "amount": b.amount,
                            "body_hash": digest})
    tx.repo.update_invoice(inv["id"], paid=inv["paid"] + b.amount)
    try_accrue(tx, inv["id"], day)
    return int(inv["id"])


def convert_layaway(tx: Tx, body: Any) -> int:
    b: ConvertIn = parse(ConvertIn, body)
    check_date(tx, b.date)
    day = b.date or tx.day
    inv = hold_invoice(tx, need_invoice(tx, b.invoice, b.store))
    not_voided(inv)
    if inv["type"] != "layaway":
        if inv["converted_on"] is not None:
            return int(inv["id"])  # converting twice is converting once
        raise PatronageError("invalid", f"invoice {b.invoice!r} is not a layaway",
                             [Problem("invoice", "only a layaway can be converted")])
    tx.repo.update_invoice(inv["id"], type="sale", converted_on=day)
    try_accrue(tx, inv["id"], day)
    return int(inv["id"])


def quote(tx: Tx, body: Any, explain: bool = False) -> dict[str, Any]:
    """C1: what a cart would earn and what can pay for it, with the redemption it asks for
    applied as posting it would (seed 003's "Use Loyalty Points"): the same totals, the
    same points, the same refusals. `points` is what posting it earns at once;
    `points_earnable` what it earns once paid in full (A5). `explain`: say why, line by
    line (core/explain.py). A lookup: it writes nothing (`engine.lookups`)."""
    b: InvoiceIn = parse(InvoiceIn, body)
    day = b.date or tx.day
    customer = validate_refs(tx, b.store, b.customer, lock=False)
    lines = [to_line(x) for x in b.lines]
    refuse_negative_lines(lines)
    co = plan_checkout(tx, b, day, lines)
    tenders = checkout_tenders(b, co)
    due = accrual(co.program, quoting.paid_by(tenders), co.total, [t for t, _ in tenders])
    sale = Sale(date=day, type=b.type, store=b.store, job_type=b.job_type)
    earned: quoting.Earned | list[quoting.Earned]
    earned = quoting.Earned(co.program.id if co.program else None, 0, ZERO, due.now)
    if b.customer is not None and memberships.many(tx):  # E1 `many`: in each program
        earned = _quote_each(tx, b, day, lines, co, tenders, sale)
    elif (b.customer is not None and co.program is not None and co.enrollment is not None
          and due.ever and earns_in(tx, co.enrollment, co.program, b.type, day, day, customer)):
        earns = [line_eligible(co.program, sale, x) for x in lines]
        amounts = [x.amount for x in lines]
        eligible = eligible_of(list(zip(amounts, earns, strict=True)), co.discount)
        earnable = earning_rate(tx, co.enrollment, co.program, sale, lines, amounts, earns,
                                eligible, quote=True).points(eligible)
        earned = quoting.Earned(co.program.id, earnable, eligible, due.now)
    bal = ledger.balance(tx, co.enrollment, co.program, day)
    cart = quoting.Cart(
        subtotal=co.subtotal, tax=co.tax, discount=co.discount, total=co.total,
        tenders=tuple(tenders),
        coupons=tuple(quoting.CouponUse(c["id"], c["amount"], a) for c, a in co.coupons),
        rewards=co.rewards, reward_points=co.reward_points, rewards_max=co.rewards_max,
        rewards_base=co.rewards_base, redeem_rules=co.redeem_rules,
        point_value=co.program.point_value if co.program else None,
        credit=co.credit, credit_max=co.credit_max,
        memos=None if co.open_memos is None else tuple(m["remaining"] for m in co.open_memos),
        program=co.program.id if co.program else None)
    out = quoting.answer(cart, earned, quoting.Held(bal.available, bal.value or ZERO))
    if explain:
        out.update(explaining.explain_cart(tx, b.customer, co.enrollment, sale, lines,
                                           co.discount, due))
    return out


def _quote_each(tx: Tx, b: InvoiceIn, day: dt.date, lines: list[Line], co: Checkout,
                tenders: list[tuple[str, Decimal]], sale: Sale) -> list[quoting.Earned]:
    """C1 with E1 `many`: what the cart earns in each program it would earn in."""
    inv = {"customer_id": b.customer, "type": b.type, "date": day, "converted_on": None}
    paid = quoting.paid_by(tenders)
    out = []
    amounts = [x.amount for x in lines]
    for enrollment, program in earning_programs(tx, inv, day):  # type: ignore[arg-type]
        due = accrual(program, paid, co.total, [t for t, _ in tenders])
        if not due.ever:
            continue
        earns = [line_eligible(program, sale, x) for x in lines]
        eligible = eligible_of(list(zip(amounts, earns, strict=True)), co.discount)
        points = earning_rate(tx, enrollment, program, sale, lines, amounts, earns, eligible,
                              quote=True).points(eligible)
        out.append(quoting.Earned(program.id, points, eligible, due.now))
    return out


def refuse_negative_lines(lines: list[Line]) -> None:
    """A line whose discount exceeds qty x price is refused, as `post_invoice` refuses it."""
    for i, line in enumerate(lines):
        if line.amount < 0:
            raise PatronageError("invalid", f"line {i + 1}: discount exceeds the line amount",
                                 [Problem(f"lines.{i}.discount", "more than qty x price")])


def checkout_tenders(b: InvoiceIn, co: Checkout) -> list[tuple[str, Decimal]]:
    """The payments an invoice posts with: the POS's own, then rewards (when they are a
    tender) and store credit, as `post_invoice` records them."""
    tenders = [(p.tender, p.amount) for p in b.payments]
    if co.rewards and co.program and co.program.redeem_as == "payment":
        tenders.append(("rewards", co.rewards))
    if co.credit:
        tenders.append(("store_credit", co.credit))
    return tenders
