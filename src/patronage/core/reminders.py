"""Expiry reminders (issue 23 item 4; docs/decisions.md, "Reminders"): which of a program's
thresholds a lot or credit memo is due a reminder for on a day.

A threshold of N days is due from N days before the expiry until the day before it; on any
day only the tightest due threshold is sent, so thresholds [30, 7] send one reminder about
30 days out and one about 7 days out, and a lot that first appears 5 days before it expires
gets the 7-day one only. Standard library only: no clock, no database.
"""

from __future__ import annotations


def due_threshold(days_left: int, thresholds: tuple[int, ...]) -> int | None:
    """The smallest threshold at or above `days_left`; None when the expiry is further off
    than every threshold, or not ahead at all (L1: expired on its expiry day)."""
    if days_left <= 0:
        return None
    due = [n for n in thresholds if n >= days_left]
    return min(due) if due else None


def bands(thresholds: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """(threshold, after, upto) for each threshold, smallest first: an expiry `days_left`
    ahead with after < days_left <= upto is due that threshold. [30, 7] gives
    [(7, 0, 7), (30, 7, 30)]."""
    out = []
    after = 0
    for n in sorted(set(thresholds)):
        if n > 0:
            out.append((n, after, n))
            after = n
    return out
