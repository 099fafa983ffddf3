"""The kinds of ledger entry, each with the figure of L3 it moves and what it does to its
lot, written once. Standard library only.

L3: pending + available = earned + adjusted - used - expired - forfeited, where earned is
accruals net of return and void reversals (R1-R3), and used is points taken by awards,
period closes and redemptions (W1, W3, C2), net of cancelled awards and restored
redemptions (R3, R5). A debt payoff (L5) moves points from a lot to the debt account and
nets to zero. Entries are signed as written (a redemption is negative), so a figure that
L3 subtracts is minus the sum of its kinds' entries.

The values are the strings stored in `ledger.kind` and `enrollment_totals.kind`: a member
equals its string, so reading, writing and comparing need no conversion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Self


class Bucket(StrEnum):
    """Which figure of L3 an entry moves (`DEBT_MOVE`: none, it nets to zero, L5)."""

    EARNED = "earned"
    ADJUSTED = "adjusted"
    USED = "used"
    EXPIRED = "expired"
    FORFEITED = "forfeited"
    DEBT_MOVE = "debt_move"


class EntryKind(StrEnum):
    """A ledger entry's kind (L3): its `bucket`, and `grows_lot` when it moves the lot's
    `points` (what the lot was given) as well as its `remaining` (the lots cache)."""

    bucket: Bucket
    grows_lot: bool

    def __new__(cls, value: str, bucket: Bucket, grows_lot: bool = False) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.bucket = bucket
        member.grows_lot = grows_lot
        return member

    ACCRUAL = "accrual", Bucket.EARNED, True  # an invoice's points: a new lot
    REVERSAL = "reversal", Bucket.EARNED  # points a return or void takes back
    ADJUSTMENT = "adjustment", Bucket.ADJUSTED, True  # by hand, either way
    AWARD = "award", Bucket.USED  # the points an award used
    AWARD_CANCEL = "award_cancel", Bucket.USED  # a cancelled award's points back
    PERIOD_CLOSE = "period_close", Bucket.USED  # a program-end period's points close
    REDEMPTION = "redemption", Bucket.USED  # points spent at checkout
    RESTORE = "restore", Bucket.USED  # a void gives back what its invoice redeemed
    RETURN_RESTORE = "return_restore", Bucket.USED  # a return's share of those given back
    EXPIRY = "expiry", Bucket.EXPIRED  # an expired lot written off
    FORFEIT = "forfeit", Bucket.FORFEITED  # a closed enrollment's points
    DEBT_PAYOFF = "debt_payoff", Bucket.DEBT_MOVE  # a lot pays the debt: a pair of entries

    @classmethod
    def in_bucket(cls, bucket: Bucket) -> frozenset[EntryKind]:
        """The kinds whose entries move `bucket`'s figure."""
        return _BY_BUCKET[bucket]

    @classmethod
    def earned_kinds(cls) -> frozenset[EntryKind]:
        return _BY_BUCKET[Bucket.EARNED]

    @classmethod
    def used_kinds(cls) -> frozenset[EntryKind]:
        return _BY_BUCKET[Bucket.USED]

    @classmethod
    def lot_growing_kinds(cls) -> frozenset[EntryKind]:
        """The kinds whose entries on a lot move its `points` too (`lots.points` is their
        sum, `patronage check` proves it)."""
        return _GROWING

    @classmethod
    def known(cls, kind: str) -> EntryKind | None:
        """The member for a stored kind, None for a string that is no kind."""
        return _BY_VALUE.get(kind)


_BY_BUCKET = {bucket: frozenset(kind for kind in EntryKind if kind.bucket is bucket)
              for bucket in Bucket}
_GROWING = frozenset(kind for kind in EntryKind if kind.grows_lot)
_BY_VALUE: dict[str, EntryKind] = {kind.value: kind for kind in EntryKind}

SUBTRACTED = frozenset({Bucket.USED, Bucket.EXPIRED, Bucket.FORFEITED})
"""The figures L3 subtracts: entries of their kinds are negative when they take points."""


@dataclass(frozen=True)
class Flows:
    """L3's right-hand figures from the ledger, each as the balance shows it (used,
    expired and forfeited positive when they took points)."""

    earned: int = 0
    adjusted: int = 0
    used: int = 0
    expired: int = 0
    forfeited: int = 0

    @property
    def net(self) -> int:
        """earned + adjusted - used - expired - forfeited (L3)."""
        return self.earned + self.adjusted - self.used - self.expired - self.forfeited


def flows(totals: Mapping[str, int]) -> Flows:
    """L3: the figures of the sums of entries by kind (`totals`, signed as written). A debt
    payoff moves no figure; a string that is no kind is left out (`patronage check` reports
    it)."""
    figures = dict.fromkeys(Bucket, 0)
    for name, points in totals.items():
        kind = EntryKind.known(name)
        if kind is not None:
            figures[kind.bucket] += -points if kind.bucket in SUBTRACTED else points
    return Flows(earned=figures[Bucket.EARNED], adjusted=figures[Bucket.ADJUSTED],
                 used=figures[Bucket.USED], expired=figures[Bucket.EXPIRED],
                 forfeited=figures[Bucket.FORFEITED])
