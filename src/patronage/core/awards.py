"""Awards (W1-W6, N1 and R3 for awards): which recurring award is due and how many times,
program-end periods and what closing one does, what an award's actions make, the messages
a notifying award queues, and whether a void may cancel an award.

Pure functions over the program (`core.programs`) and small records of the customer's
book; `service/awards.py` loads the book, calls these, and writes what they return (the
award row, ledger entries, memos, coupons, journal entries, messages, events).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from patronage.core.dates import add_days, add_months
from patronage.core.lots import LotState
from patronage.core.programs import Award, Notify, Program

Period = tuple[dt.date, dt.date]  # (first day, evaluation day: the day after the last)


# --- W1, W5: recurring levels ---------------------------------------------------------------

def recurring_award(program: Program, day: dt.date, manual: bool = False) -> Award | None:
    """W1 with W5: the recurring award `program` grants on `day`, or None when it grants
    none: not a recurring program, a draft, no award with a level in effect that day, or
    `award_processing: manual` unless this is the manager's processing (`manual`)."""
    if program.kind != "recurring" or program.status == "draft":
        return None
    if program.award_processing == "manual" and not manual:
        return None
    award = program.recurring_award(day)
    if award is None or not award.level:
        return None
    return award


def recurring_grants(available: int, debt: int, level: int) -> int:
    """W1: how many awards an enrollment earns at once: floor((available + debt) / level),
    none below the level.

    `available` is its lots' available points (L1), `debt` its debt (L5: 0 or negative,
    so a debt is paid before an award). Each award then uses `level` points (L2). The same
    test, `available + debt >= level`, is `reaches_level`; adapters/db/books.py writes it
    in SQL for the daily run's search.
    """
    if level <= 0:
        raise ValueError(f"a recurring level is above 0: {level}")
    return max(available + debt, 0) // level


def checks_at_accrual(program: Program) -> bool:
    """W2: an accrual whose lot is available at once (no grace) checks the award then;
    points that wait for their grace are checked by the daily run of the day they become
    available (M1), which checks every enrollment reaching the level."""
    return not program.grace_days


def reaches_level(available: int, debt: int, level: int) -> bool:
    """W1: whether an enrollment's available points (less its debt) reach the level."""
    return recurring_grants(available, debt, level) > 0


# --- W3: program-end periods ----------------------------------------------------------------

def period_for(program: Program, start: dt.date) -> Period | None:
    """W3: the period containing `start`, as (first day, evaluation day), or None.

    Periods start at `start` (enrolled_date) or, with `enrollment_basis: calendar`, at
    calendar_start repeated every duration_months; a program that expires mid-period ends
    the period on its expires date; a period that would be empty is none.
    """
    if program.kind != "program_end" or not program.duration_months:
        return None
    months = program.duration_months
    if program.enrollment_basis == "calendar" and program.calendar_start:
        begin = program.calendar_start
        while add_months(begin, months) <= start:
            begin = add_months(begin, months)
    else:
        begin = start
    end = add_months(begin, months)
    if program.expires is not None and program.expires < end:
        end = program.expires
    if end <= begin:
        return None
    return begin, end


@dataclass(frozen=True)
class PeriodClose:
    """W3: what closing a program-end period [begin, end) does on its evaluation day."""

    points: int  # the period's points: its live lots' remaining points plus the debt
    award: Award | None  # the tier those points reach on the last day, granted on `end`
    closes: tuple[tuple[int | None, int], ...]  # period_close entries: (lot id, None for
    #                                              the debt; points, never 0)
    next_period: Period | None  # the next period, None when the program ends by then


def close_period(program: Program, lots: Iterable[LotState], debt: int, end: dt.date) -> PeriodClose:
    """W3: judge a period ending at `end` and close its points, so the next starts at 0.

    `lots` are the enrollment's lots with points and `debt` its debt (<= 0). The period's
    points are those of lots accrued before `end` and not expired by then, plus the debt;
    the tier with level_from <= points <= level_to on the period's last day is granted.
    Then every one of those lots and the debt are closed (used), and the next period is
    the one containing `end` while the program is in effect then.
    """
    live = [x for x in lots if x.accrual_date < end and (x.expires_on is None or x.expires_on > end)]
    points = sum(x.remaining for x in live) + debt
    award = program.tier_for(points, end - dt.timedelta(days=1))
    closes: list[tuple[int | None, int]] = [(x.id, -x.remaining) for x in live if x.remaining]
    if debt < 0:
        closes.append((None, -debt))
    following = period_for(program, end) if program.in_effect(end) else None
    return PeriodClose(points, award, tuple(closes), following)


# --- W4, W6: what an award's actions make ---------------------------------------------------

@dataclass(frozen=True)
class MemoGrant:
    """W4: a credit memo an award issues, owed from its award date."""

    amount: Decimal
    reason: str | None  # its reason code: the account its value is taken from (G1)
    expires_on: dt.date | None  # expire_days after the award date; None: never


@dataclass(frozen=True)
class CouponGrant:
    """W4: a coupon an award issues: a pre-tax discount on the customer's next sale."""

    amount: Decimal
    expires_on: dt.date | None  # unused by then it expires; None: never


@dataclass(frozen=True)
class AwardActions:
    """W4: what granting an award makes besides using its points."""

    credit_memo: MemoGrant | None
    coupon: CouponGrant | None
    price_group: str | None  # the customer's price group from now on, until changed
    notify: Notify | None  # N1: messages to queue (`award_messages`)


def award_actions(award: Award, day: dt.date) -> AwardActions:
    """W4: an award granted on `day`: its credit memo and coupon expire their expire_days
    after `day` (never when none is set); its price group replaces the customer's.

    W6: computed once, when the award is granted, from the award in effect then; the
    award row keeps a copy of its actions and the memo and coupon are rows of their own,
    so changing the program's award or its processing mode later changes nothing granted.
    """
    memo = award.credit_memo
    coupon = award.coupon
    return AwardActions(
        credit_memo=MemoGrant(memo.amount, memo.reason, add_days(day, memo.expire_days))
        if memo else None,
        coupon=CouponGrant(coupon.amount, add_days(day, coupon.expire_days)) if coupon else None,
        price_group=award.price_group or None,
        notify=award.notify,
    )


# --- N1: the messages an award queues -------------------------------------------------------

@dataclass(frozen=True)
class Message:
    """One message to queue (section 10): an email or a printed letter."""

    channel: str  # email or letter
    recipient: str | None  # an address; None: a letter for a customer without an email
    subject: str
    template: str
    event: str = "award_earned"


def award_messages(award: Award, employees: Sequence[str], subscribers: Sequence[str],
                   customer_email: str | None) -> list[Message]:
    """N1: an award with notify emails the chosen `employees` (their addresses) and, when
    asked, the `subscribers` of award_earned, each address once in that order; with a
    letter template, the customer gets a letter too. No notify: nothing."""
    notify = award.notify
    if notify is None:
        return []
    subject = f"Award earned: {award.name}"
    addresses = list(employees) + (list(subscribers) if notify.subscribers else [])
    out = [Message("email", address, subject, "award_earned") for address in dict.fromkeys(addresses)]
    if notify.letter_template:
        out.append(Message("letter", customer_email, subject, notify.letter_template))
    return out


# --- R3: cancelling an award a void takes back ----------------------------------------------

@dataclass(frozen=True)
class Given:
    """A credit memo or coupon an award gave, as a void judges it (R3)."""

    status: str  # open, used, expired, cancelled
    amount: Decimal
    remaining: Decimal  # what is left of it (a coupon is used whole: its amount while open)

    def untouched(self) -> bool:
        return self.status == "open" and self.remaining == self.amount


def cancellable(award_status: str, given: Sequence[Given]) -> bool:
    """R3 with W6: a void cancels an award only while it stands (granted) and everything
    it gave is untouched (open, nothing spent); an award that gave no memo or coupon (a
    price group, a notice) stays, since nothing of it can be taken back."""
    return award_status == "granted" and bool(given) and all(x.untouched() for x in given)


def points_restored(used: Iterable[tuple[int | None, int]]) -> list[tuple[int | None, int]]:
    """R3: the award_cancel entries giving back what a cancelled award's `award` entries
    (lot id, points: negative) took, each to the lot (or debt) it came from."""
    return [(lot_id, -points) for lot_id, points in used]
