"""A customer's page and what a manager does there."""

from __future__ import annotations

import re

from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .helpers import Console, seed


def test_find_by_card_name_id_and_email(admin: Console, shop: Patronage) -> None:
    seed(shop)
    scan = admin.client.get("/customers?q=4000123", follow_redirects=False)
    assert scan.status_code == 303 and scan.headers["location"] == "/customers/C1"
    assert admin.client.get("/customers?q=C2", follow_redirects=False).headers["location"] \
        == "/customers/C2"
    by_name = admin.get("/customers?q=stone").text
    assert "Bob Stone" in by_name and "Ann Lee" not in by_name
    assert "Cy Young" in admin.get("/customers?q=c3@x.io").text
    live = admin.client.get("/customers?q=4000123", headers={"HX-Request": "true"})
    assert live.status_code == 200 and "Ann Lee" in live.text and "<html" not in live.text
    shop.card({"deactivate": "4000123"})
    assert "has been deactivated" in admin.get("/customers?q=4000123").text


def test_the_page_shows_balance_expiry_memos_ledger(admin: Console, shop: Patronage,
                                                    clock: FixedClock) -> None:
    seed(shop)
    page = admin.get("/customers/C1").text
    assert 'id="bal-pending">250<' in page and 'id="bal-available">0<' in page
    assert "2024-03-31" in page  # 250 points expire 90 days after 2024-01-01
    assert "canvas" in page and "accrual" in page
    later = admin.get("/customers/C1?as_of=2024-01-11").text
    assert 'id="bal-available">250<' in later
    clock.set(__import__("datetime").date(2024, 1, 11))
    shop.run_maintenance({"date": "2024-01-11"})
    page = admin.get("/customers/C1").text
    assert "25.00" in page and "award" in page
    bank = admin.get("/customers/C2").text
    assert 'id="bal-available">400<' in bank and "4.00" in bank  # value of 400 points


def test_enroll_transfer_unenroll(admin: Console, shop: Patronage) -> None:
    seed(shop)
    admin.get("/customers/C3")
    assert "C3 enrolled in club" in admin.post("/customers/C3/enroll", {"program": "club"}).text
    refused = admin.post("/customers/C3/enroll", {"program": "bank"})
    assert "already_enrolled" in refused.text
    asked = admin.post("/customers/C1/enroll", {"program": "bank", "close_current": "on"})
    assert 'id="transfer-confirm"' in asked.text and shop.balance("C1").program == "club"
    moved = admin.post("/customers/C1/enroll", {"program": "bank", "close_current": "on",
                                                "confirm": "250,0"})
    assert "C1 enrolled in bank" in moved.text
    assert "Left 250 Club with 250 points, 250 of them pending" in moved.text
    gone = admin.post("/customers/C1/unenroll")
    assert "Left Reward Dollars with 0 points" in gone.text
    assert shop.balance("C1").program is None


def test_the_transfer_form_chooses_nothing_and_closes_nothing_by_default(
        admin: Console, shop: Patronage) -> None:
    seed(shop)
    form = admin.get("/customers/C1").text.split('action="/customers/C1/enroll"')[1]
    form = form.split("</form>")[0]
    options = re.findall(r'<option value="([^"]*)"( selected)?>', form)
    assert options == [("", " selected"), ("bank", "")]  # not the current program, club
    assert re.search(r'<input type="checkbox" name="close_current"\s*>', form)
    refused = admin.post("/customers/C1/enroll", {"program": ""})
    assert "choose the program to enroll in" in refused.text
    assert shop.balance("C1").program == "club"


def test_a_transfer_that_forfeits_points_asks_first(admin: Console, shop: Patronage) -> None:
    seed(shop)
    shop.adjust({"customer": "C1", "points": 40, "reason": "goodwill"})
    admin.get("/customers/C1")
    asked = admin.post("/customers/C1/enroll", {"program": "bank", "close_current": "on"})
    assert asked.status_code == 200
    page = asked.text
    assert 'id="forfeit-total">290<' in page and 'id="forfeit-pending">250<' in page
    assert 'id="forfeit-available">40<' in page
    assert "forfeits all 290 of its points, 250 of them pending" in page
    assert "Nothing has changed yet" in page
    before = shop.balance("C1")
    assert (before.program, before.pending, before.available) == ("club", 250, 40)
    # points moved while the page was open: the new figures are shown, nothing forfeited
    shop.adjust({"customer": "C1", "points": 10})
    stale = admin.post("/customers/C1/enroll", {"program": "bank", "close_current": "on",
                                                "confirm": "250,40"})
    assert "balance changed since" in stale.text and 'id="forfeit-total">300<' in stale.text
    assert shop.balance("C1").program == "club"
    confirm = re.search(r'name="confirm" value="([^"]+)"', stale.text)
    assert confirm is not None and confirm.group(1) == "250,50"
    done = admin.post("/customers/C1/enroll", {"program": "bank", "close_current": "on",
                                               "confirm": confirm.group(1)})
    assert "C1 enrolled in bank" in done.text
    assert "Left 250 Club with 300 points, 250 of them pending" in done.text


def test_a_transfer_with_nothing_to_forfeit_needs_no_confirmation(admin: Console,
                                                                  shop: Patronage) -> None:
    seed(shop)
    admin.get("/customers/C3")
    admin.post("/customers/C3/enroll", {"program": "club"})
    moved = admin.post("/customers/C3/enroll", {"program": "bank", "close_current": "on"})
    assert "C3 enrolled in bank" in moved.text


def test_adjust_points_balance_and_expiry(admin: Console, shop: Patronage) -> None:
    seed(shop)
    admin.get("/customers/C2")
    given = admin.post("/customers/C2/adjust", {"mode": "points", "amount": "50",
                                                "reason": "goodwill"})
    assert "adjusted by 50 points; available now 450" in given.text
    too_much = admin.post("/customers/C2/adjust", {"mode": "points", "amount": "-1000"})
    assert "insufficient_points" in too_much.text
    assert shop.balance("C2").available == 450
    set_to = admin.post("/customers/C2/adjust", {"mode": "set_balance", "amount": "100"})
    assert "available now 100" in set_to.text
    moved = admin.post("/customers/C2/adjust", {"mode": "expiry", "expires": "2024-12-31"})
    assert "adjusted by 0 points" in moved.text
    assert [x.date.isoformat() for x in shop.balance("C2").expiring] == ["2024-12-31"]
    bad = admin.post("/customers/C2/adjust", {"mode": "points", "amount": "lots"})
    assert "invalid" in bad.text
    ledger = admin.get("/customers/C2").text
    assert "goodwill" in ledger and "admin" in ledger  # the user is recorded


def test_cards_and_details(admin: Console, shop: Patronage) -> None:
    seed(shop)
    admin.get("/customers/C2")
    assert "card 555 added to C2" in admin.post("/customers/C2/cards", {"number": "555"}).text
    assert "card_in_use" in admin.post("/customers/C3/cards", {"number": "4000123"}).text
    assert "card 555 deactivated" in admin.post("/customers/C2/cards",
                                                {"deactivate": "555"}).text
    edited = admin.post("/customers/C2/edit", {"name": "Robert Stone", "email": "",
                                               "type": "commercial", "status": "ACTIVE",
                                               "price_group": "GOLD"})
    assert "customer C2 saved" in edited.text
    c2 = shop.customer("C2")
    assert (c2.name, c2.type, c2.price_group, c2.email) == ("Robert Stone", "commercial",
                                                           "GOLD", None)
    made = admin.post("/customers", {"id": "C9", "name": "New Person", "email": "n@x.io"})
    assert "customer C9 saved" in made.text and "New Person" in made.text


def test_unknown_customer(admin: Console) -> None:
    answer = admin.get("/customers/NOPE")
    assert "not_found" in answer.text
