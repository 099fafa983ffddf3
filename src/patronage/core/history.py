"""A customer's ledger in plain words, for the customer's own page (P5): "Earned 120 points
on invoice INV-1" rather than a kind and a signed number.

Entries one command wrote lot by lot (a return taking points from three lots) read as one
line: consecutive entries of the same day, kind, program and reference are summed.
Standard library only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from patronage.core.entries import EntryKind


@dataclass(frozen=True)
class Line:
    """One line of the history: its day, the sentence, and the points it moved (signed)."""

    date: dt.date
    text: str
    points: int


def _points(count: int) -> str:
    return f"{count:,} point{'' if count == 1 else 's'}"


def sentence(kind: str, points: int, ref: str | None, reason: str | None = None) -> str:
    """What one ledger entry (or a run of them) did, in words a customer reads."""
    n, ref = _points(abs(points)), (ref or "").strip()
    on = f" on {ref}" if ref else ""
    why = f" ({reason})" if reason else ""
    if kind == EntryKind.ACCRUAL:
        return f"Earned {n}{on}"
    if kind == EntryKind.REDEMPTION:
        return f"Spent {n}{on}"
    if kind == EntryKind.REVERSAL:
        return f"{n} taken back" + (f": {ref}" if ref else "")
    if kind in (EntryKind.RESTORE, EntryKind.RETURN_RESTORE):
        return f"{n} given back" + (f": {ref}" if ref else "")
    if kind == EntryKind.AWARD:
        name = ref.removeprefix("award ").strip()
        return f"Turned {n} into a reward" + (f": {name}" if name else "")
    if kind == EntryKind.AWARD_CANCEL:
        return f"{n} given back: a reward was cancelled"
    if kind == EntryKind.EXPIRY:
        return f"{n} expired"
    if kind == EntryKind.FORFEIT:
        return f"{n} forfeited when the membership closed"
    if kind == EntryKind.PERIOD_CLOSE:
        return f"{n} closed at the end of the program's period"
    if kind == EntryKind.ADJUSTMENT:
        return (f"{n} added by the shop" if points >= 0 else f"{n} taken off by the shop") + why
    return (f"{n} added" if points >= 0 else f"{n} taken off") + why


def lines(entries: Iterable[Mapping[str, Any]], limit: int = 20) -> list[Line]:
    """The newest `limit` lines of `entries` (newest first, as `customer_ledger` gives them:
    `date`, `kind`, `points`, `ref`, `reason`, `program_id`); debt payoffs are bookkeeping
    and left out."""
    out: list[Line] = []
    last: tuple[Any, ...] | None = None
    for e in entries:
        if e["kind"] == EntryKind.DEBT_PAYOFF or not e["points"]:
            continue
        key = (e["date"], e["kind"], e.get("program_id"), e.get("ref"), e.get("reason"))
        if key == last:
            points = out[-1].points + int(e["points"])
            out[-1] = Line(e["date"], sentence(e["kind"], points, e.get("ref"), e.get("reason")),
                           points)
            continue
        if len(out) == limit:
            break
        last = key
        out.append(Line(e["date"], sentence(e["kind"], int(e["points"]), e.get("ref"),
                                            e.get("reason")), int(e["points"])))
    return out
