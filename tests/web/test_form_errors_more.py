"""Refused forms in Chromium, the rest of the console (issue 21 item 10): a customer's
details, points adjustment, enrollment and transfer, cards; a new customer; users; mass
enroll. Each bad value is refused beside its field, the form keeps what was typed and
nothing changes; fixed and sent again, it is saved. Screenshots under
test-output/screenshots/ (form-errors-more-*.png)."""

from __future__ import annotations

import datetime as dt

import pytest

from patronage.bootstrap import open_app
from patronage.service.app import Patronage

from .browsing import log_in, shop_file
from .helpers import BANK, CLUB
from .test_browser import Day, browser, server  # noqa: F401  (fixtures used by name)

LONG_AGO = "2000-01-01"  # a well-formed date the rules refuse (more than 10 years ago)


def fill(app: Patronage) -> None:
    """C1 in the club with 40 points; C2 in nothing; C3 owns card 4000123; C4 in the club
    with 30 points (to transfer); M1 and M2, of type bulk, in nothing (to mass enroll)."""
    app.put_program(CLUB)
    app.put_program(BANK)
    for cid, name, kind in (("C1", "Ann Lee", "retail"), ("C2", "Bob Stone", "retail"),
                            ("C3", "Cy Young", "retail"), ("C4", "Dee Move", "retail"),
                            ("M1", "Mass One", "bulk"), ("M2", "Mass Two", "bulk")):
        app.put_customer({"id": cid, "name": name, "type": kind})
    for cid, points in (("C1", 40), ("C4", 30)):
        app.enroll({"customer": cid, "program": "club"})
        app.adjust({"customer": cid, "points": points, "reason": "welcome"})
    app.card({"customer": "C3", "add": "4000123"})


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return shop_file(tmp_path_factory.mktemp("form-errors-more"), fill)


def facade(database: str) -> Patronage:
    return open_app(database)


def beside(day: Day, form: str, field: str) -> str:
    """The problems shown beside `field` of `form` (empty when none)."""
    found = day.page.locator(f"{form} .err[data-field='{field}']")
    return " ".join(found.all_inner_texts())


def test_customer_details(day: Day, database: str) -> None:
    page = day.page
    form = "form[action$='/edit']"
    log_in(day, "maria", "/customers/C1")
    page.fill(f"{form} input[name=name]", "Ann Lee-Smith")
    page.fill(f"{form} input[name=phone]", "call after five")
    page.fill(f"{form} input[name=city]", "Springfield")
    page.click(f"{form} button[type=submit]")
    assert beside(day, form, "phone") != "", page.inner_text("[data-form-errors]")
    assert beside(day, form, "name") == ""
    assert page.input_value(f"{form} input[name=name]") == "Ann Lee-Smith"
    assert page.input_value(f"{form} input[name=phone]") == "call after five"
    assert page.input_value(f"{form} input[name=city]") == "Springfield"
    assert "The details were not saved" in page.inner_text("[data-form-errors]")
    day.shot("form-errors-more-01-details")
    assert facade(database).customer("C1").name == "Ann Lee"

    page.fill(f"{form} input[name=phone]", "555-0100")
    page.click(f"{form} button[type=submit]")
    assert "customer C1 saved" in day.flash()
    assert page.inner_text("#cust-phone") == "555-0100"
    assert page.locator(".err").count() == 0
    saved = facade(database).customer("C1")
    assert (saved.name, saved.city) == ("Ann Lee-Smith", "Springfield")


def test_adjust_points(day: Day, database: str) -> None:
    page = day.page
    form = "#adjust-form"
    log_in(day, "maria", "/customers/C1")
    page.check(f"{form} input[name=mode][value=set_balance]")
    page.fill(f"{form} input[name=amount]", "lots")
    page.fill(f"{form} input[name=reason]", "count was wrong")
    page.check(f"{form} input[name=allow_negative]")
    page.click(f"{form} button[type=submit]")
    assert "integer" in beside(day, form, "amount")
    assert page.input_value(f"{form} input[name=amount]") == "lots"
    assert page.input_value(f"{form} input[name=reason]") == "count was wrong"
    assert page.is_checked(f"{form} input[name=mode][value=set_balance]")
    assert page.is_checked(f"{form} input[name=allow_negative]")
    day.shot("form-errors-more-02-adjust")
    assert facade(database).balance("C1").available == 40

    page.fill(f"{form} input[name=amount]", "120")
    page.click(f"{form} button[type=submit]")
    assert "available now 120" in day.flash()
    assert page.locator(".err").count() == 0
    assert facade(database).balance("C1").available == 120


def test_enroll_and_transfer(day: Day, database: str) -> None:
    page = day.page
    form = "form[action$='/enroll']"
    today = dt.date.today().isoformat()
    log_in(day, "maria", "/customers/C2")
    page.select_option(f"{form} select[name=program]", "bank")
    page.fill(f"{form} input[name=date]", LONG_AGO)
    page.click(f"{form} button[type=submit]")
    assert "from " in beside(day, form, "date")
    assert page.input_value(f"{form} select[name=program]") == "bank"
    assert page.input_value(f"{form} input[name=date]") == LONG_AGO
    day.shot("form-errors-more-03-enroll")
    assert facade(database).balance("C2").program is None
    page.fill(f"{form} input[name=date]", today)
    page.click(f"{form} button[type=submit]")
    assert "C2 enrolled in bank" in day.flash()

    # a refused transfer comes back with "close the current enrollment" still ticked
    # (nothing to forfeit as of long ago, so no confirmation is asked first)
    day.go("/customers/C4")
    page.select_option(f"{form} select[name=program]", "bank")
    page.fill(f"{form} input[name=date]", LONG_AGO)
    page.check(f"{form} input[name=close_current]")
    page.click(f"{form} button[type=submit]")
    assert "from " in beside(day, form, "date")
    assert page.input_value(f"{form} select[name=program]") == "bank"
    assert page.input_value(f"{form} input[name=date]") == LONG_AGO
    assert page.is_checked(f"{form} input[name=close_current]")
    day.shot("form-errors-more-04-transfer")
    assert facade(database).balance("C4").program == "club"
    page.fill(f"{form} input[name=date]", today)
    page.click(f"{form} button[type=submit]")
    page.click("#transfer-confirm button[type=submit]")
    assert "C4 enrolled in bank" in day.flash()
    assert facade(database).balance("C4").program == "bank"


def test_add_a_card(day: Day, database: str) -> None:
    page = day.page
    form = "form.row-form[action$='/cards']"
    log_in(day, "maria", "/customers/C2")
    page.fill(f"{form} input[name=number]", "4000123")  # Cy's
    page.click(f"{form} button[type=submit]")
    assert "already issued" in beside(day, form, "number")
    assert page.input_value(f"{form} input[name=number]") == "4000123"
    day.shot("form-errors-more-05-card")
    page.fill(f"{form} input[name=number]", "4000999")
    page.click(f"{form} button[type=submit]")
    assert "card 4000999 added to C2" in day.flash()
    assert facade(database).customer("C2").cards == [("4000999", True)]


def test_new_customer(day: Day, database: str) -> None:
    page = day.page
    form = "#new-customer form"
    log_in(day, "maria", "/customers")
    page.click("#new-customer summary")
    page.fill(f"{form} input[name=id]", "C3")  # taken: Cy Young's
    page.fill(f"{form} input[name=name]", "Someone New")
    page.fill(f"{form} input[name=type]", "commercial")
    page.select_option(f"{form} select[name=status]", "ACTIVE")
    page.click(f"{form} button[type=submit]")
    assert "taken" in beside(day, form, "id")
    assert page.is_visible(form)  # the form is open again
    assert page.input_value(f"{form} input[name=id]") == "C3"
    assert page.input_value(f"{form} input[name=name]") == "Someone New"
    assert page.input_value(f"{form} input[name=type]") == "commercial"
    assert page.input_value(f"{form} select[name=status]") == "ACTIVE"
    day.shot("form-errors-more-06-new-customer")
    assert facade(database).customer("C3").name == "Cy Young"
    page.fill(f"{form} input[name=id]", "C9")
    page.click(f"{form} button[type=submit]")
    assert "customer C9 saved" in day.flash()
    made = facade(database).customer("C9")
    assert (made.name, made.type, made.status) == ("Someone New", "commercial", "ACTIVE")


def test_users(day: Day, database: str) -> None:
    page = day.page
    form = "#new-user"
    log_in(day, "ada", "/users")
    page.fill(f"{form} input[name=name]", "joe")
    page.select_option(f"{form} select[name=role]", "manager")
    page.fill(f"{form} input[name=password]", "short")
    page.fill(f"{form} input[name=store]", "2")
    page.click(f"{form} button[type=submit]")
    assert "at least 8 characters" in beside(day, form, "password")
    assert page.input_value(f"{form} input[name=name]") == "joe"
    assert page.input_value(f"{form} select[name=role]") == "manager"
    assert page.input_value(f"{form} input[name=store]") == "2"
    assert page.input_value(f"{form} input[name=password]") == ""  # never sent back
    day.shot("form-errors-more-07-new-user")
    page.fill(f"{form} input[name=password]", "long enough 1")
    page.click(f"{form} button[type=submit]")
    assert "user joe created (manager)" in day.flash()

    carl = "#users tr:has(td:text-is('carl'))"
    page.fill(f"{carl} input[name=password]", "tiny")
    page.click(f"{carl} button[value=password]")
    assert "at least 8 characters" in beside(day, carl, "password")
    assert beside(day, "#users tr:has(td:text-is('maria'))", "password") == ""
    day.shot("form-errors-more-08-user-password")
    page.fill(f"{carl} input[name=password]", "a long new one")
    page.click(f"{carl} button[value=password]")
    assert "user updated" in day.flash()


def test_mass_enroll(day: Day, database: str) -> None:
    page = day.page
    form = "#mass-filter"
    log_in(day, "maria", "/enrollment/mass")
    page.select_option(f"{form} select[name=program]", "bank")
    page.fill(f"{form} input[name=type]", "bulk")
    page.select_option(f"{form} select[name=enrolled]", "no")
    page.fill(f"{form} input[name=date]", LONG_AGO)
    page.click("button[value=preview]")
    page.locator("#mass-preview").wait_for()
    page.uncheck("input[name=customers][value=M2]")
    page.click("button[value=run]")
    assert "from " in beside(day, form, "date")
    assert page.input_value(f"{form} input[name=date]") == LONG_AGO
    assert page.input_value(f"{form} input[name=type]") == "bulk"
    assert page.input_value(f"{form} select[name=program]") == "bank"
    assert page.is_checked("input[name=customers][value=M1]")
    assert not page.is_checked("input[name=customers][value=M2]")  # as it was ticked
    day.shot("form-errors-more-09-mass")
    assert facade(database).balance("M1").program is None
    page.fill(f"{form} input[name=date]", dt.date.today().isoformat())
    page.click("button[value=run]")
    assert "1\nenrolled" in page.inner_text("#mass-counts")
    assert facade(database).balance("M1").program == "bank"
    assert facade(database).balance("M2").program is None
