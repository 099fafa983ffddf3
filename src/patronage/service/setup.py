"""Set-up use cases: the shop and its lists, programs and their life cycle, customers."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from patronage.core.customers import status_problem
from patronage.core.errors import PatronageError, Problem, not_found
from patronage.core.programs import (
    Award,
    Coupon,
    CreditMemo,
    Filter,
    Multiplier,
    Notify,
    Program,
    Tier,
)
from patronage.core.tiers import StatusTier, TierRules
from patronage.service import memberships
from patronage.service.inputs import (
    CustomerIn,
    FilterIn,
    ProgramIn,
    ShopIn,
    StatusTiersIn,
    parse,
)
from patronage.service.uow import Tx


def configure_shop(tx: Tx, body: Any) -> str:
    shop: ShopIn = parse(ShopIn, body)
    tx.repo.save_shop({"name": shop.name, "currency": shop.currency,
                       "allow_credit_for_gift_cards": shop.allow_credit_for_gift_cards})
    if shop.programs_per_customer is not None:
        memberships.set_programs_per_customer(tx, shop.programs_per_customer)
    for s in shop.stores:
        tx.repo.save_store({"id": s.id, "name": s.name or f"Store {s.id}", "active": s.active})
    for st in shop.statuses:
        tx.repo.save_status(st.model_dump())
    for r in shop.reasons:
        tx.repo.save_reason(r.model_dump())
    for g in shop.price_groups:
        tx.repo.save_price_group(g.model_dump())
    for e in shop.employees:
        tx.repo.save_employee({"id": e.id, "email": e.email, "store_id": e.store})
    for sub in shop.subscribers:
        existing = [x for x in tx.repo.subscribers(sub.event) if x == sub.email]
        if not existing:
            tx.repo.add_subscriber(sub.event, sub.email)
    return f"shop {shop.name!r} configured: {len(shop.stores)} stores"


def to_program(p: ProgramIn) -> Program:
    return Program(
        **{f.name: getattr(p, f.name) for f in dataclasses.fields(Program)
           if f.name not in ("filters", "multipliers", "percent_tiers", "awards",
                             "eligible_statuses", "status_tiers")},
        status_tiers=_status_tiers(p.status_tiers),  # issue 23 item 1
        eligible_statuses=tuple(p.eligible_statuses),
        filters=tuple(_filter(f) for f in p.filters),
        multipliers=tuple(
            Multiplier(name=m.name, currency_per_point=m.currency_per_point, effective=m.effective,
                       expires=m.expires, transaction_types=tuple(m.transaction_types),
                       whiteboard=m.whiteboard)
            for m in p.multipliers
        ),
        percent_tiers=tuple(Tier(x.up_to, x.percent) for x in p.percent_tiers),
        awards=tuple(
            Award(
                name=a.name, effective=a.effective, expires=a.expires, level=a.level,
                level_from=a.level_from, level_to=a.level_to,
                credit_memo=CreditMemo(a.credit_memo.amount, a.credit_memo.expire_days,
                                       a.credit_memo.reason) if a.credit_memo else None,
                coupon=Coupon(a.coupon.amount, a.coupon.expire_days) if a.coupon else None,
                price_group=a.price_group,
                notify=Notify(tuple(a.notify.employees), a.notify.subscribers,
                              a.notify.letter_template) if a.notify else None,
                whiteboard=a.whiteboard,
            )
            for a in p.awards
        ),
    )


def _status_tiers(given: StatusTiersIn | None) -> TierRules | None:
    """T1/T2 (issue 23 item 1): the program's status tiers as core/tiers.py reads them."""
    if given is None:
        return None
    return TierRules(
        levels=tuple(StatusTier(x.name, x.threshold, x.multiplier, x.price_group)
                     for x in given.levels),
        measure=given.measure, window=given.window, rolling_days=given.rolling_days,
        grace_days=given.grace_days)


def _filter(f: FilterIn) -> Filter:
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                              for k, v in f.model_dump().items()}
    return Filter(**values)


def program_to_dict(p: Program) -> dict[str, Any]:
    """A program as the mapping a manager writes (the ProgramIn keys)."""

    def plain(value: Any) -> Any:
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if v is not None}
        if isinstance(value, Decimal):
            return str(value)
        return value

    return plain(dataclasses.asdict(p))


def _reference_problems(tx: Tx, p: Program) -> list[Problem]:
    out: list[Problem] = []
    for i, a in enumerate(p.awards):
        if a.price_group and tx.repo.price_group(a.price_group) is None:
            out.append(Problem(f"awards.{i}.price_group", f"unknown price group {a.price_group!r}"))
        if a.credit_memo and a.credit_memo.reason and tx.repo.reason(a.credit_memo.reason) is None:
            out.append(Problem(f"awards.{i}.credit_memo.reason",
                               f"unknown credit memo reason {a.credit_memo.reason!r}"))
    for i, level in enumerate(p.status_tiers.levels if p.status_tiers else ()):  # T5
        if level.price_group and tx.repo.price_group(level.price_group) is None:
            out.append(Problem(f"status_tiers.levels.{i}.price_group",
                               f"unknown price group {level.price_group!r}"))
    return out


def validate_for(tx: Tx, p: Program) -> None:
    """Refuse a program that cannot be in effect as it is, listing every problem."""
    if p.status == "draft":
        return
    problems = p.problems() + _reference_problems(tx, p)
    if problems:
        raise PatronageError(
            "invalid_program",
            f"program {p.id!r} cannot be {p.status}: "
            + "; ".join(f"{x.field}: {x.message}" for x in problems),
            problems,
        )


def put_program(tx: Tx, body: Any) -> str:
    program = to_program(parse(ProgramIn, body))
    validate_for(tx, program)
    tx.repo.save_program(program)
    return f"program {program.id} saved ({program.status})"


def change_program(tx: Tx, program_id: str, changes: dict[str, Any]) -> str:
    current = tx.repo.program(program_id)
    if current is None:
        raise not_found("program", program_id)
    merged = {**program_to_dict(current), **{k: v for k, v in changes.items() if k != "id"}}
    return put_program(tx, merged)


def set_program_status(tx: Tx, program_id: str, status: str) -> str:
    return change_program(tx, program_id, {"status": status})


def put_customer(tx: Tx, body: Any) -> str:
    c: CustomerIn = parse(CustomerIn, body)
    current = tx.repo.customer(c.id)
    if c.status is not None:
        problem = status_problem(c.status, tx.repo.status_codes(),
                                 current["status"] if current is not None else None)
        if problem is not None:
            raise PatronageError("invalid", f"{problem.field}: {problem.message}", [problem])
    if current is None:
        values = c.model_dump()
        values["name"] = values["name"] or c.id
    else:  # an update changes only what it names
        values = c.model_dump(exclude_unset=True)
    tx.repo.save_customer(values)
    return f"customer {c.id} saved"
