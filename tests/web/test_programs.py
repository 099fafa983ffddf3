"""Programs in the console: all three kinds, problems beside their fields, open, close, try."""

from __future__ import annotations

import html
import re

from patronage.service.app import Patronage

from .helpers import CLUB, Console


def problems_beside(page: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for field, message in re.findall(r'<div class="err" data-field="([^"]*)">([^<]*)</div>', page):
        out.setdefault(field, []).append(html.unescape(message))
    return out


RECURRING = {
    "id": "club", "name": "250 Club", "kind": "recurring", "effective": "2024-01-01",
    "accrue_on": "invoice", "grace_days": "10", "points_expire_days": "90",
    "award_processing": "automatic",
    "filters.0.name": "all sales", "filters.0.transaction_types": "sale, job_bill",
    "filters.0.exclude_item_types": "labor", "filters.0.min_qty": "1",
    "multipliers.0.name": "base", "multipliers.0.currency_per_point": "5.00",
    "awards.0.name": "25 dollars", "awards.0.level": "250",
    "awards.0.credit_memo.amount": "25.00", "awards.0.credit_memo.expire_days": "30",
    "awards.0.credit_memo.reason": "LOYALTY", "awards.0.notify.employees": "E1",
    "awards.0.notify.subscribers": "on", "awards.0.notify.letter_template": "reward_letter",
}


def test_a_recurring_program_is_created_and_opened(admin: Console, shop: Patronage) -> None:
    admin.get("/programs/new")
    answer = admin.post("/programs/new", RECURRING | {"op": "open"})
    assert "program club saved and opened" in answer.text
    p = shop.read(lambda tx: tx.repo.program("club"))
    assert p is not None and p.status == "open" and p.grace_days == 10
    assert p.filters[0].transaction_types == ("sale", "job_bill")
    assert p.filters[0].exclude_item_types == ("labor",)
    award = p.awards[0]
    assert award.level == 250 and award.credit_memo and award.credit_memo.reason == "LOYALTY"
    assert award.notify and award.notify.employees == ("E1",) and award.notify.subscribers
    # the edit form shows what was saved
    form = admin.get("/programs/club").text
    assert 'value="sale, job_bill"' in form and 'value="25.00"' in form


def test_every_problem_is_shown_beside_its_field(admin: Console, shop: Patronage) -> None:
    admin.get("/programs/new")
    bad = RECURRING | {"points_expire_days": "5", "multipliers.0.currency_per_point": "0",
                       "awards.0.level": "", "awards.0.credit_memo.reason": "NOPE",
                       "op": "open"}
    answer = admin.post("/programs/new", bad)
    assert answer.status_code == 422
    beside = problems_beside(answer.text)
    assert beside["points_expire_days"] == ["must exceed grace_days"]
    assert beside["multipliers.0.currency_per_point"] == ["must be more than 0"]
    assert "a recurring award needs a level above 0" in beside["awards.0.level"]
    assert "unknown credit memo reason 'NOPE'" in beside["awards.0.credit_memo.reason"]
    assert "4 problems" in answer.text
    assert shop.read(lambda tx: tx.repo.program("club")) is None  # nothing saved
    # what was typed is kept
    assert 'name="points_expire_days" value="5"' in answer.text


def test_unreadable_values_and_rule_problems_come_together(admin: Console) -> None:
    admin.get("/programs/new")
    bad = RECURRING | {"grace_days": "ten", "effective": "2024-13-01", "awards.0.level": "",
                       "op": "open"}
    beside = problems_beside(admin.post("/programs/new", bad).text)
    assert "grace_days" in beside and "effective" in beside
    assert "awards.0.level" in beside


def test_a_draft_saves_with_problems_and_opening_lists_them(admin: Console,
                                                          shop: Patronage) -> None:
    admin.get("/programs/new")
    draft = {"id": "tiers", "name": "Tiers", "kind": "program_end", "effective": "2024-01-01",
             "op": "save"}
    assert "program tiers saved" in admin.post("/programs/new", draft).text
    opened = admin.post("/programs/tiers", draft | {"op": "open"})
    beside = problems_beside(opened.text)
    assert {"filters", "multipliers", "awards", "enrollment_basis", "duration_months"} \
        <= set(beside)
    assert shop.read(lambda tx: tx.repo.program("tiers")).status == "draft"  # type: ignore[union-attr]


def test_program_end_with_tiers_and_price_groups(admin: Console, shop: Patronage) -> None:
    admin.get("/programs/new?kind=program_end")
    body = {"id": "year", "name": "Year", "kind": "program_end", "effective": "2024-01-01",
            "enrollment_basis": "calendar", "calendar_start": "2024-01-01",
            "duration_months": "12", "filters.0.name": "all",
            "multipliers.0.name": "base", "multipliers.0.currency_per_point": "1",
            "awards.0.name": "gold", "awards.0.level_from": "500", "awards.0.price_group": "GOLD",
            "awards.1.name": "silver", "awards.1.level_from": "200", "awards.1.level_to": "499",
            "awards.1.coupon.amount": "10.00", "awards.1.coupon.expire_days": "60",
            "op": "open"}
    assert "saved and opened" in admin.post("/programs/new", body).text
    p = shop.read(lambda tx: tx.repo.program("year"))
    assert p is not None and p.duration_months == 12 and p.enrollment_basis == "calendar"
    assert p.awards[0].price_group == "GOLD" and p.awards[0].level_to is None
    assert p.awards[1].coupon is not None and p.awards[1].level_to == 499


def test_points_bank_with_percent_tiers(admin: Console, shop: Patronage) -> None:
    admin.get("/programs/new?kind=points_bank")
    body = {"id": "bank", "name": "Rewards", "kind": "points_bank", "effective": "2024-01-01",
            "point_value": "0.01", "redeem_as": "discount", "may_pay_sales_tax": "on",
            "report_in_sale_code": "RWD", "filters.0.name": "all",
            "filters.0.exclude_item_types": "labor, shop_supplies",
            "percent_tiers.0.up_to": "100.00", "percent_tiers.0.percent": "1",
            "percent_tiers.1.percent": "2",
            # a level typed into a hidden section is not sent for this kind
            "awards.0.name": "ignored", "awards.0.level": "5", "op": "open"}
    assert "saved and opened" in admin.post("/programs/new", body).text
    p = shop.read(lambda tx: tx.repo.program("bank"))
    assert p is not None and p.redeem_as == "discount" and p.may_pay_sales_tax
    assert [t.percent for t in p.percent_tiers] == [1, 2] and p.awards == ()


def test_rows_are_added_and_removed_without_saving(admin: Console, shop: Patronage) -> None:
    admin.post("/programs/new", RECURRING | {"op": "save"})
    form = admin.get("/programs/club").text
    assert 'name="filters.1.name"' not in form
    more = admin.post("/programs/club", RECURRING | {"op": "add:filters"})
    assert 'name="filters.1.name"' in more.text
    assert len(shop.read(lambda tx: tx.repo.program("club")).filters) == 1  # type: ignore[union-attr]
    two = RECURRING | {"multipliers.1.name": "jobs", "multipliers.1.currency_per_point": "2",
                       "multipliers.1.transaction_types": "job_bill", "op": "save"}
    admin.post("/programs/club", two)
    assert len(shop.read(lambda tx: tx.repo.program("club")).multipliers) == 2  # type: ignore[union-attr]
    gone = RECURRING | {"multipliers.1.name": "jobs", "multipliers.1.currency_per_point": "2",
                        "multipliers.1._remove": "on", "op": "save"}
    admin.post("/programs/club", gone)
    assert len(shop.read(lambda tx: tx.repo.program("club")).multipliers) == 1  # type: ignore[union-attr]


def test_an_existing_id_is_not_overwritten(admin: Console, shop: Patronage) -> None:
    shop.put_program(CLUB)
    admin.get("/programs/new")
    answer = admin.post("/programs/new", RECURRING | {"name": "Other", "op": "save"})
    assert answer.status_code == 422 and "exists" in problems_beside(answer.text)["id"][0]
    assert shop.read(lambda tx: tx.repo.program("club")).name == "250 Club"  # type: ignore[union-attr]


def test_close_a_program(admin: Console, shop: Patronage) -> None:
    shop.put_program(CLUB)
    admin.get("/programs/club")
    assert "closed to new enrollments" in admin.post("/programs/club/close").text
    assert shop.read(lambda tx: tx.repo.program("club")).status == "closed"  # type: ignore[union-attr]


def test_try_it_runs_a_scenario_on_a_copy_of_the_shop(admin: Console, shop: Patronage) -> None:
    draft = dict(CLUB, status="draft")
    shop.put_program(draft)
    page = admin.get("/programs/club/try")
    assert "enroll: {customer: T1, program: club}" in page.text
    story = """customers:
  - {id: T1, name: Test}
timeline:
  - date: 2024-02-01
    enroll: {customer: T1, program: club}
  - date: 2024-02-01
    invoice: {id: X1, customer: T1, store: 1, lines: [{sku: A, qty: 1, price: "1250.00"}]}
  - date: 2024-02-01
    expect: {customers: {T1: {pending: 250, available: 0}}}
  - date: 2024-02-11
    expect: {customers: {T1: {available: 7}}}
"""
    answer = admin.post("/programs/club/try", {"scenario": story})
    assert "a check failed" in answer.text
    assert re.search(r"FAIL scenario\.yaml:1[01] ", answer.text)  # the manager's own lines
    assert "/tmp" not in answer.text
    assert shop.read(lambda tx: tx.repo.customer("T1")) is None  # live data untouched
    fixed = story.replace("available: 7", "available: 0, credit_memos: [{amount: \"25.00\"}]")
    assert "every check held" in admin.post("/programs/club/try", {"scenario": fixed}).text
    upload = admin.client.post("/programs/club/try", data={"csrf": admin.csrf, "scenario": ""},
                               files={"file": ("s.yaml", fixed.encode(), "text/yaml")})
    assert "every check held" in upload.text
    assert "the file is invalid" in admin.post("/programs/club/try",
                                               {"scenario": "timeline: [{nope: 1}]"}).text
    bad_date = admin.post("/programs/club/try", {"scenario": "timeline:\n  - date: 2017-13-01\n"})
    assert bad_date.status_code == 200 and "the file is invalid" in bad_date.text
    assert "scenario.yaml:2" in bad_date.text
