"""What the daily run did, in sentences (issue 21 item 10): "Expired 120 points in 3
lots; granted 2 awards." rather than the summary's keys, and "nothing to do" when it did
nothing. Used by the maintenance page's answer and its run log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def run_summary(summary: Mapping[str, Any]) -> str:
    """The sentence of one run's summary (`maintenance.run`'s answer, the run log's row)."""
    said = []
    points, lots = int(summary.get("points_expired") or 0), int(summary.get("lots_expired") or 0)
    if points or lots:
        said.append(f"expired {plural(points, 'point')} in {plural(lots, 'lot')}")
    for key, one, verb in (("credit_memos_expired", "credit memo", "expired"),
                           ("coupons_expired", "coupon", "expired"),
                           ("awards", "award", "granted"),
                           ("periods_closed", "period", "closed")):
        count = int(summary.get(key) or 0)
        if count:
            said.append(f"{verb} {plural(count, one)}" if verb != "expired"
                        else f"{plural(count, one)} expired")
    debt = int(summary.get("debt_paid") or 0)
    if debt:
        said.append(f"paid {plural(debt, 'point')} of debt from new points")
    mail = summary.get("mail") or {}
    if isinstance(mail, Mapping) and (mail.get("sent") or mail.get("failed")):
        said.append(f"sent {plural(int(mail.get('sent') or 0), 'message')}"
                    + (f" ({int(mail['failed'])} could not be sent yet)" if mail.get("failed") else ""))
    days = int(summary.get("days") or 0)
    head = (f"Maintenance ran {plural(days, 'day')}, {summary.get('from')} to {summary.get('to')}"
            if days > 1 else f"Maintenance ran for {summary.get('to')}" if days == 1
            else f"Maintenance ran to {summary.get('to')}, every day of it run already")
    return f"{head}: {'; '.join(said) if said else 'nothing to do'}."
