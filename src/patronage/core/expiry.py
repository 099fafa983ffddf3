"""Expiry (L4): what an expired lot writes off.

Pure; `service.ledger.expire_lot` reads the lot (and, on a catch-up day, what it held
then), asks `write_off`, and writes the expiry entry, its journal entry and its event.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WriteOff:
    """L4: one lot's expiry."""

    lot_id: int
    points: int  # written off: an `expiry` ledger entry of -points on the lot (> 0)

    @property
    def held_change(self) -> int:
        """G1: the enrollment's outstanding points (pending + available) fall by the
        points written off, pending ones alike; for a points bank that change is journalled,
        lowering points liability and points expense (`service.ledger.book_points`)."""
        return -self.points


def write_off(lot_id: int, remaining: int, held_then: int | None = None) -> WriteOff | None:
    """L4: the write-off of a lot whose expiry day has come: all its remaining points,
    pending or available (L1: expiry wins over pending: a lot whose date was moved before
    its available_on never becomes available). None when nothing remains.

    `held_then`, on a catch-up day (the ledger has entries dated after the expiry day), is
    what the lot held as of that day (0 when it held nothing then): only those points
    expired then; points it got later (a return's restore) are not written off.
    """
    points = remaining if held_then is None else min(remaining, held_then)
    if points <= 0:
        return None
    return WriteOff(lot_id, points)
