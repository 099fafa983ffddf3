"""G2: the back-office reports' rows, and how their figures come from what storage sums.

Pure functions; `service/reports.py` loads the sums through `tx.repo` (adapters/db/
read_queries.py) and asks these for the rows. A row is a plain dict whose keys are the
report's CSV columns, in order (the console's CSV writes them as they come). Points are
ints, money exact Decimals; points of different programs are never added together.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from patronage.core.entries import SUBTRACTED, Bucket, EntryKind
from patronage.core.money import CENT, ZERO, from_cents

ReportRow = dict[str, Any]
Loaded = Mapping[Any, Any]  # a row as storage loaded it (column -> value)

SOON_DAYS = 30  # G2: the balances report's "what expires within 30 days"
EXPIRY_BUCKETS = (30, 60, 90)  # the expiring report's windows, in days
BALANCE_COLUMNS = ("customer", "name", "email", "program", "enrolled", "pending", "available",
                   "value", "expiring_30_days")
EXPIRING_COLUMNS = ("customer", "name", "program", "next_expiry", "within_30", "days_31_60",
                    "days_61_90", "value")
MONTH_COLUMNS = ("month", "earned", "adjusted", "used", "expired", "forfeited",
                 "outstanding_points", "points_liability")


@dataclass(frozen=True)
class Valuation:
    """What G2 needs of a program to value its points (an unknown program: no value)."""

    kind: str | None = None
    point_value: Decimal | None = None  # money per point

    def value(self, points: int) -> Decimal | None:
        """G2's `value`: a points bank's points at its point value, to the cent (half
        even); None for other kinds, whose points are no money."""
        if self.kind != "points_bank" or self.point_value is None:
            return None
        return (self.point_value * points).quantize(CENT, rounding=ROUND_HALF_EVEN)


def soon(day: dt.date) -> dt.date:
    """G2: the last day the balances report's `expiring_30_days` counts, seen on `day`."""
    return day + dt.timedelta(days=SOON_DAYS)


def balance_rows(loaded: Iterable[Loaded], valuations: Mapping[str, Valuation],
                 include_zero: bool = False, limit: int | None = None) -> list[ReportRow]:
    """G2's customer balances per program, one row per open enrollment loaded (customer
    `id`, `name`, `email`, `program_id`, `start_date`, `debt`, and its lots' `pending`,
    `available` and `expiring` sums as of the day, None for no lots), in their order.

    `available` counts the debt (L5: points owed come off what is available); `value` is
    `available` valued by the program (`Valuation.value`). An enrollment with nothing
    pending or available is left out unless `include_zero`; at most `limit` rows (the
    rest of `loaded` is never read).
    """
    out: list[ReportRow] = []
    for r in loaded:
        pending = int(r["pending"] or 0)
        available = int(r["available"] or 0) + int(r["debt"] or 0)
        if not include_zero and pending == 0 and available == 0:
            continue
        valuation = valuations.get(r["program_id"], Valuation())
        out.append(dict(zip(BALANCE_COLUMNS, (
            r["id"], r["name"], r["email"] or "", r["program_id"], r["start_date"], pending,
            available, valuation.value(available), int(r["expiring"] or 0)), strict=True)))
        if limit is not None and len(out) >= limit:
            break
    return out


def liability_row(loaded: Loaded) -> ReportRow:
    """G2's store credit liability for one reason: its account, how many open memos and
    what they still owe (loaded as `memos` and `cents`)."""
    return {"reason": loaded["reason"] or "", "account": loaded["account"] or "",
            "memos": int(loaded["memos"]), "liability": from_cents(int(loaded["cents"] or 0))}


def open_memo_row(loaded: Loaded) -> ReportRow:
    """The liability report's detail: one open credit memo with its customer."""
    return {"memo": loaded["id"], "customer": loaded["customer_id"], "name": loaded["name"],
            "email": loaded["email"] or "", "reason": loaded["reason"] or "",
            "store": loaded["store_id"], "issued_on": loaded["issued_on"],
            "expires": loaded["expires_on"], "amount": loaded["amount"],
            "remaining": loaded["remaining"]}


def award_row(loaded: Loaded) -> ReportRow:
    """G2's awards issued: one award (with its `customer_name`) and what it gave: the
    credit memo's and coupon's amounts ("" for none) and the price group."""
    actions = loaded["actions"] or {}
    return {
        "date": loaded["date"], "award_id": loaded["id"], "customer": loaded["customer_id"],
        "name": loaded["customer_name"], "program": loaded["program_id"],
        "award": loaded["name"], "points": int(loaded["points"]),
        "credit_memo": (actions.get("credit_memo") or {}).get("amount", ""),
        "coupon": (actions.get("coupon") or {}).get("amount", ""),
        "price_group": actions.get("price_group") or "", "store": loaded["store_id"],
        "trigger": loaded["trigger"], "status": loaded["status"], "user": loaded["user"] or "",
    }


def months(start: dt.date, end: dt.date) -> list[str]:
    """The months from `start`'s to `end`'s, as "YYYY-MM", in order."""
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def points_by_month(start: dt.date, end: dt.date, day_sums: Iterable[Loaded],
                    liability: Mapping[str, Decimal] | None) -> list[ReportRow]:
    """G2's points earned, adjusted, used, expired and forfeited per month of [start,
    end] (L3's figures, each as the balance shows it), and the points outstanding at each
    month's end: what was outstanding before `start` plus every month's net.

    `day_sums` are the ledger's points summed per `date` and `kind` up to `end` (debt
    payoffs left out: they net to zero). `points_liability` is `liability`'s figure for
    the month (0.00 when missing), None in every row when `liability` is None (a report
    of one program: the account holds every program's)."""
    opening = 0
    buckets: dict[str, dict[str, int]] = {m: defaultdict(int) for m in months(start, end)}
    for r in day_sums:
        points = int(r["points"] or 0)
        if r["date"] < start:
            opening += points
            continue
        bucket = buckets[r["date"].strftime("%Y-%m")]
        bucket["net"] += points
        kind = EntryKind.known(r["kind"])  # L3: the figure it moves, core/entries.py
        if kind is not None and kind.bucket is not Bucket.DEBT_MOVE:
            bucket[kind.bucket] += -points if kind.bucket in SUBTRACTED else points
    out, running = [], opening
    for month, b in buckets.items():
        running += b["net"]
        money = None if liability is None else liability.get(month, ZERO)
        out.append(dict(zip(MONTH_COLUMNS, (
            month, b["earned"], b["adjusted"], b["used"], b["expired"], b["forfeited"],
            running, money), strict=True)))
    return out


def balance_by_month(start: dt.date, end: dt.date,
                     postings: Iterable[Loaded]) -> dict[str, Decimal]:
    """G2's liability over time: an account's credit balance (credit less debit) at the
    end of each month of [start, end], from its postings (`date`, `debit`, `credit`) up
    to `end`."""
    per_month: dict[str, Decimal] = defaultdict(lambda: ZERO)
    opening = ZERO
    for r in postings:
        delta = r["credit"] - r["debit"]
        if r["date"] < start:
            opening += delta
        else:
            per_month[r["date"].strftime("%Y-%m")] += delta
    out, running = {}, opening
    for month in months(start, end):
        running += per_month.get(month, ZERO)
        out[month] = running
    return out


def expiry_window_end(day: dt.date) -> dt.date:
    """The last expiry date the expiring report counts, seen on `day`."""
    return day + dt.timedelta(days=EXPIRY_BUCKETS[-1])


def expiring_rows(day: dt.date, lots: Iterable[Loaded],
                  valuations: Mapping[str, Valuation]) -> list[ReportRow]:
    """Per customer and program, in the lots' order: the points left in lots expiring
    within 30, 31-60 and 61-90 days of `day`, the first of those expiry dates, and the
    value of them all. `lots` (customer_id, name, program_id, expires_on, remaining) are
    those expiring after `day` and by `expiry_window_end(day)`, by customer then date."""
    rows: dict[tuple[str, str], ReportRow] = {}
    for r in lots:
        row = rows.setdefault((r["customer_id"], r["program_id"]), {
            "customer": r["customer_id"], "name": r["name"], "program": r["program_id"],
            "next_expiry": r["expires_on"], "within_30": 0, "days_31_60": 0, "days_61_90": 0})
        days = (r["expires_on"] - day).days
        column = "within_30" if days <= EXPIRY_BUCKETS[0] else \
            "days_31_60" if days <= EXPIRY_BUCKETS[1] else "days_61_90"
        row[column] += int(r["remaining"])
    for (_, program), row in rows.items():
        total = row["within_30"] + row["days_31_60"] + row["days_61_90"]
        row["value"] = valuations.get(program, Valuation()).value(total)
    return list(rows.values())


def expiring_totals(rows: Iterable[ReportRow]) -> ReportRow:
    """The 30/60/90-day totals of `expiring_rows` (cumulative, as a manager reads them)."""
    rows = list(rows)
    w30 = sum(r["within_30"] for r in rows)
    w60 = w30 + sum(r["days_31_60"] for r in rows)
    w90 = w60 + sum(r["days_61_90"] for r in rows)
    return {"next_30_days": w30, "next_60_days": w60, "next_90_days": w90}


def totals_by_program(rows: Iterable[ReportRow], columns: tuple[str, ...]) -> list[ReportRow]:
    """G2 with E1: the `columns` of report rows summed per program, in the rows' order of
    programs. Points of different programs are never added together (a points bank's are
    cents, a recurring program's count toward an award), so a report's totals are per
    program."""
    out: dict[str, ReportRow] = {}
    for row in rows:
        total = out.setdefault(row["program"], {"program": row["program"],
                                                **{c: 0 for c in columns}})
        for column in columns:
            total[column] += row[column]
    return list(out.values())
