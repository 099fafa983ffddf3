"""Reports (G2), each a page and a CSV download (`?format=csv`), and the journal (G1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patronage.entrypoints.web.csvout import to_csv
from patronage.entrypoints.web.deps import (
    ConsoleDep,
    ConsoleRoute,
    Manager,
    csv_download,
    day,
    page,
)
from patronage.service import reports, tiers

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

REPORTS = {
    "balances": "Customer balances per program",
    "credit": "Store credit liability by reason",
    "awards": "Awards issued",
    "points": "Points earned, used and expired per month",
    "expiring": "Points expiring in the next 30, 60 and 90 days",
    "tiers": "Customers per status tier",  # issue 23 item 1 (T9)
}
PAGE_ROWS = 1000  # a page shows this many rows; the CSV has them all


def _answer(request: Request, name: str, rows: list[dict[str, Any]], fmt: str, **ctx: Any) \
        -> Response:
    stamp = ctx.get('stamp', dt.date.today().isoformat())
    if ctx.get("program"):
        stamp = f"{ctx['program']}-{stamp}"  # E1: a filtered CSV says which program
    if fmt == "csv":
        return csv_download(to_csv(rows, ctx.pop("columns", None)), f"{name}-{stamp}.csv")
    query = request.url.query
    csv_url = f"{request.url.path}?{query + '&' if query else ''}format=csv"
    if "programs" in ctx:
        ctx["program_links"] = _program_links(request, ctx["programs"])
    return page(request, f"report_{name}.html", title=REPORTS.get(name, "Journal"),
                rows=rows[:PAGE_ROWS], total_rows=len(rows), csv_url=csv_url, **ctx)


def _program_links(request: Request, programs: list[Any]) -> list[tuple[str, str, str]]:
    """The report bar's program filter (E1): (program id, label, this report's URL for it;
    "" for all programs), the other filters kept."""
    def url_for(program: str) -> str:
        url = request.url.remove_query_params(["program", "format"])
        if program:
            url = url.include_query_params(program=program)
        return f"{url.path}?{url.query}" if url.query else url.path

    return [("", "all programs", url_for(""))] + [
        (p.id, f"{p.name} ({p.id})", url_for(p.id)) for p in programs]


def _range(c: Any, start: str, end: str) -> tuple[dt.date, dt.date]:
    """The dates asked for; by default the twelve months up to today."""
    today = c.facade.clock.today()
    months_back = today.year * 12 + today.month - 1 - 11
    year_ago = dt.date(months_back // 12, months_back % 12 + 1, 1)
    return day(start, year_ago) or year_ago, day(end, today) or today


@router.get("/reports", response_class=HTMLResponse)
def reports_index(request: Request, user: Manager) -> Response:
    return page(request, "reports.html", title="Reports", reports=REPORTS)


@router.get("/reports/balances", response_class=HTMLResponse)
def report_balances(request: Request, user: Manager, c: ConsoleDep, as_of: str = "",
                    program: str = "", zero: str = "", format: str = "") -> Response:
    when = day(as_of, c.facade.clock.today())
    rows = c.facade.read(lambda tx: reports.customer_balances(
        tx, when, program or None, include_zero=zero == "on"))
    totals = {k: sum(r[k] for r in rows) for k in ("pending", "available", "expiring_30_days")}
    per_program = reports.totals_by_program(rows, ("pending", "available", "expiring_30_days"))
    return _answer(request, "balances", rows, format, as_of=when, program=program, zero=zero,
                   totals=totals, per_program=per_program,
                   programs=c.facade.read(lambda tx: tx.repo.programs()),
                   stamp=str(when))


@router.get("/reports/credit", response_class=HTMLResponse)
def report_credit(request: Request, user: Manager, c: ConsoleDep, format: str = "",
                  detail: str = "") -> Response:
    summary = c.facade.read(reports.credit_liability)
    memos = c.facade.read(reports.credit_memos_open)
    chart = {"type": "bar", "data": {"labels": [r["reason"] or "(none)" for r in summary],
             "datasets": [{"label": "liability", "data": [str(r["liability"]) for r in summary],
                           "backgroundColor": "#2563eb"}]},
             "options": {"plugins": {"legend": {"display": False}}}}
    rows = memos if detail else summary
    return _answer(request, "credit", rows, format, summary=summary, memos=memos, chart=chart,
                   detail=detail)


@router.get("/reports/awards", response_class=HTMLResponse)
def report_awards(request: Request, user: Manager, c: ConsoleDep, start: str = "",
                  end: str = "", program: str = "", format: str = "") -> Response:
    first, last = _range(c, start, end)
    rows = c.facade.read(lambda tx: reports.awards_issued(tx, first, last, program or None))
    return _answer(request, "awards", rows, format, start=first, end=last, program=program,
                   programs=c.facade.read(lambda tx: tx.repo.programs()),
                   stamp=f"{first}-{last}")


@router.get("/reports/points", response_class=HTMLResponse)
def report_points(request: Request, user: Manager, c: ConsoleDep, start: str = "",
                  end: str = "", program: str = "", format: str = "") -> Response:
    first, last = _range(c, start, end)
    rows = c.facade.read(lambda tx: reports.points_by_month(tx, first, last, program or None))
    labels = [r["month"] for r in rows]
    bars = {"type": "bar", "data": {"labels": labels, "datasets": [
        {"label": "earned", "data": [r["earned"] for r in rows], "backgroundColor": "#16a34a"},
        {"label": "adjusted", "data": [r["adjusted"] for r in rows], "backgroundColor": "#a3a3a3"},
        {"label": "used", "data": [r["used"] for r in rows], "backgroundColor": "#2563eb"},
        {"label": "expired", "data": [r["expired"] for r in rows], "backgroundColor": "#dc2626"},
    ]}}
    series = [{"label": "points outstanding", "data": [r["outstanding_points"] for r in rows],
               "borderColor": "#7c3aed", "yAxisID": "y"}]
    scales: dict[str, Any] = {"y": {"beginAtZero": True, "title": {"display": True,
                                                                  "text": "points"}}}
    if not program:
        series.append({"label": "points liability (money)", "yAxisID": "y1",
                       "data": [str(r["points_liability"]) for r in rows],
                       "borderColor": "#ea580c"})
        scales["y1"] = {"beginAtZero": True, "position": "right",
                        "grid": {"drawOnChartArea": False},
                        "title": {"display": True, "text": "liability"}}
    line = {"type": "line", "data": {"labels": labels, "datasets": series},
            "options": {"scales": scales}}
    return _answer(request, "points", rows, format, start=first, end=last, program=program,
                   programs=c.facade.read(lambda tx: tx.repo.programs()), bars=bars, line=line,
                   stamp=f"{first}-{last}")


@router.get("/reports/expiring", response_class=HTMLResponse)
def report_expiring(request: Request, user: Manager, c: ConsoleDep, as_of: str = "",
                    program: str = "", format: str = "") -> Response:
    when = day(as_of, c.facade.clock.today())
    rows = c.facade.read(lambda tx: reports.expiring(tx, when, program or None))
    totals = reports.expiring_totals(rows)
    per_program = reports.totals_by_program(rows, ("within_30", "days_31_60", "days_61_90"))
    chart = {"type": "bar", "data": {"labels": ["next 30 days", "next 60 days", "next 90 days"],
             "datasets": [{"label": "points", "data": list(totals.values()),
                           "backgroundColor": "#d97706"}]},
             "options": {"plugins": {"legend": {"display": False}}}}
    return _answer(request, "expiring", rows, format, as_of=when, program=program, totals=totals,
                   per_program=per_program, chart=chart, programs=c.facade.read(lambda tx: tx.repo.programs()),
                   stamp=str(when))


@router.get("/journal", response_class=HTMLResponse)
def journal(request: Request, user: Manager, c: ConsoleDep, start: str = "", end: str = "",
            format: str = "") -> Response:
    first, last = _range(c, start, end)
    rows = c.facade.read(lambda tx: reports.journal_lines(tx, first, last))
    debit = sum((r["debit"] for r in rows), start=reports.ZERO)
    credit = sum((r["credit"] for r in rows), start=reports.ZERO)
    if format == "csv":
        return csv_download(to_csv(rows, JOURNAL_COLUMNS), f"journal-{first}-{last}.csv")
    query = request.url.query
    return page(request, "journal.html", title="Journal", rows=rows[:PAGE_ROWS],
                total_rows=len(rows), start=first, end=last, debit=debit, credit=credit,
                csv_url=f"/journal?{query + '&' if query else ''}format=csv")


JOURNAL_COLUMNS = ("date", "account", "debit", "credit", "memo", "reference", "entry")



@router.get("/reports/tiers", response_class=HTMLResponse)
def report_tiers(request: Request, user: Manager, c: ConsoleDep, program: str = "",
                 format: str = "") -> Response:
    """Issue 23 item 1 (T9): how many open enrollments hold each tier, by program."""
    rows = c.facade.read(lambda tx: tiers.customers_per_tier(tx, program or None))
    return _answer(request, "tiers", rows, format, program=program,
                   programs=c.facade.read(lambda tx: tx.repo.programs()))
