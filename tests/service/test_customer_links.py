"""Issue 23 item 5: a customer's own page by signed link (P1-P5 of docs/decisions.md).

A link opens the page until it expires or is revoked; a token altered, signed with
another key, or naming another customer or expiry than its row opens nothing; bad input
changes nothing; the history reads in plain words; letters and receipts carry the
customer's standing link only when PATRONAGE_PUBLIC_URL is set, and only messages
addressed to the customer (not the staff's notices)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from patronage.bootstrap import open_app
from patronage.core import links as rules
from patronage.core.errors import PatronageError
from patronage.core.history import lines
from patronage.service import customer_links, own_page, rewards_manual
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock
from patronage.service.messaging import send_outbox
from patronage.service.uow import Tx
from tests.messaging.mailserver import NOON, MailServer, earn_award
from tests.service.support import make_shop, snapshot

PUBLIC = "https://points.example.com/shop"
BANK = {"id": "bank", "name": "Reward Dollars", "kind": "points_bank", "status": "open",
        "effective": "2024-01-01", "point_value": "0.01", "points_expire_days": 45,
        "filters": [{"name": "all"}],
        "multipliers": [{"name": "one per dollar", "currency_per_point": "1.00"}]}


@pytest.fixture(autouse=True)
def no_link_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PATRONAGE_PUBLIC_URL", "PATRONAGE_SECRET_KEY", "PATRONAGE_CUSTOMER_LINK_DAYS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def shop(app: Patronage) -> Patronage:
    make_shop(app, BANK, customers=("C1", "C2"), name="Tire Town")
    for customer in ("C1", "C2"):
        app.enroll({"customer": customer, "program": "bank"})
    app.post_invoice({"id": "INV-1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "TIRE", "qty": "1", "price": "120.00"}]})
    return app


def opened(app: Patronage, token: str) -> tuple[str | None, own_page.OwnPage | None]:
    return app.read(lambda tx: own_page.open_page(tx, token), primary=True)


def make(app: Patronage, customer: str = "C1", days: object = None) -> customer_links.Link:
    return app.run(lambda tx: customer_links.create(tx, customer, days, "maria"))


def token_of(link: customer_links.Link) -> str:
    assert link.token is not None
    return link.token


def test_a_link_opens_the_customers_page_until_it_expires(shop: Patronage,
                                                         clock: FixedClock) -> None:
    link = make(shop, days=10)
    assert link.expires_at == dt.datetime(2024, 1, 11, 12, 0)  # made at the clock's noon
    why, page = opened(shop, token_of(link))
    assert why is None and page is not None
    assert page.shop_name == "Tire Town" and page.customer_name == "Customer C1"
    assert [(b.program, b.available, b.pending) for b in page.balances] == [("bank", 120, 0)]
    assert [(x.date, x.points) for x in page.balances[0].expiring] == \
        [(dt.date(2024, 2, 15), 120)]  # 45 days after the sale
    assert [line.text for line in page.history] == ["Earned 120 points on invoice INV-1"]
    assert page.tier is None  # no program has tiers yet
    clock.set(dt.date(2024, 1, 10))
    assert opened(shop, token_of(link))[0] is None
    clock.set(dt.date(2024, 1, 11))  # noon: the very moment it stops
    assert opened(shop, token_of(link)) == (rules.EXPIRED, None)


def test_the_default_length_is_the_setting(shop: Patronage,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    assert make(shop).expires_at == dt.datetime(2024, 3, 31, 12, 0)  # 90 days
    monkeypatch.setenv("PATRONAGE_CUSTOMER_LINK_DAYS", "7")
    assert make(shop).expires_at == dt.datetime(2024, 1, 8, 12, 0)
    monkeypatch.setenv("PATRONAGE_CUSTOMER_LINK_DAYS", "0")
    with pytest.raises(PatronageError) as refused:
        make(shop)
    assert refused.value.code == "invalid"
    assert refused.value.fields == ["PATRONAGE_CUSTOMER_LINK_DAYS"]


def test_revoking_one_link_or_all_of_a_customers(shop: Patronage) -> None:
    first, second, other = make(shop), make(shop), make(shop, "C2")
    done = shop.run(lambda tx: customer_links.revoke(tx, "C1", first.id))
    assert done.status == "revoked" and done.revoked_at == dt.datetime(2024, 1, 1, 12, 0)
    assert opened(shop, token_of(first)) == (rules.REVOKED, None)
    assert opened(shop, token_of(second))[0] is None
    again = shop.run(lambda tx: customer_links.revoke(tx, "C1", first.id))
    assert again == done  # revoking twice changes nothing
    assert shop.run(lambda tx: customer_links.revoke_all(tx, "C1")) == 1
    assert opened(shop, token_of(second)) == (rules.REVOKED, None)
    assert opened(shop, token_of(other))[0] is None  # another customer's link still works
    listed = shop.read(lambda tx: customer_links.listing(tx, "C1"))
    assert [(x.id, x.status, x.token) for x in listed] == \
        [(second.id, "revoked", None), (first.id, "revoked", None)]
    with pytest.raises(PatronageError) as refused:  # C2's link is not C1's to revoke
        shop.run(lambda tx: customer_links.revoke(tx, "C1", other.id))
    assert refused.value.code == "not_found"


def test_forged_altered_and_foreign_tokens_open_nothing(shop: Patronage,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    link = make(shop)
    token = token_of(link)
    body, _, signature = token.partition(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    key = shop.read(lambda tx: customer_links.signing_key(
        tx, customer_links.settings(), make=False))
    assert key is not None
    as_c2 = rules.sign(key, rules.Claim(link.id, "C2", link.expires_at))  # the right key
    longer = rules.sign(key, rules.Claim(link.id, "C1", link.expires_at
                                         + dt.timedelta(days=365)))
    no_row = rules.sign(key, rules.Claim(999, "C1", link.expires_at))
    other_key = rules.sign(b"another key" * 4, rules.Claim(link.id, "C1", link.expires_at))
    for bad, why in ((f"{body}.{flipped}", rules.FORGED), (body, rules.FORGED),
                     ("", rules.FORGED), ("x" * 5000, rules.FORGED), (other_key, rules.FORGED),
                     (as_c2, rules.FORGED), (longer, rules.FORGED), (no_row, rules.UNKNOWN)):
        assert opened(shop, bad) == (why, None), bad
    # PATRONAGE_SECRET_KEY set: links signed with the database's key stop working
    monkeypatch.setenv("PATRONAGE_SECRET_KEY", "k" * 40)
    assert opened(shop, token) == (rules.FORGED, None)
    relinked = shop.read(lambda tx: customer_links.listing(tx, "C1"))[0]
    assert relinked.token != token and opened(shop, token_of(relinked))[0] is None


def test_bad_input_is_refused_and_changes_nothing(shop: Patronage,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    make(shop)
    before = snapshot(shop)
    for customer, days, code, field in (("C1", 0, "invalid", "days"),
                                        ("C1", rules.MAX_DAYS + 1, "invalid", "days"),
                                        ("C1", "30", "invalid", "days"),
                                        ("C1", True, "invalid", "days"),
                                        ("NOPE", None, "not_found", "customer")):
        with pytest.raises(PatronageError) as refused:
            make(shop, customer, days)
        assert (refused.value.code, refused.value.fields) == (code, [field])
    with pytest.raises(PatronageError) as refused:
        shop.run(lambda tx: customer_links.revoke(tx, "C1", 12345))
    assert refused.value.code == "not_found"
    monkeypatch.setenv("PATRONAGE_PUBLIC_URL", "ftp://points.example.com")
    with pytest.raises(PatronageError) as refused:
        shop.run(lambda tx: customer_links.receipt_link(tx, "C1"))
    assert refused.value.fields == ["PATRONAGE_PUBLIC_URL"]
    assert snapshot(shop) == before


def test_the_page_shows_open_credit_and_coupons_and_history_in_words(shop: Patronage) -> None:
    def issue(tx: Tx) -> None:
        rewards_manual.issue_credit_memo(tx, {"customer": "C1", "amount": "15.00",
                                              "reason": "loyalty", "expire_days": 30})
        rewards_manual.issue_coupon(tx, {"customer": "C1", "amount": "5.00"})

    shop.run(issue)
    shop.adjust({"customer": "C1", "points": -20, "reason": "goodwill undone", "user": "maria"})
    shop.post_return({"id": "R-1", "invoice": "INV-1", "store": 1,
                      "lines": [{"sku": "TIRE", "qty": "1"}]})
    _, page = opened(shop, token_of(make(shop)))
    assert page is not None
    assert [(m.amount, m.remaining, m.expires) for m in page.credit_memos] == \
        [(15, 15, dt.date(2024, 1, 31))]
    assert [(c.amount, c.expires) for c in page.coupons] == [(5, None)]
    assert [line.text for line in page.history] == [
        "120 points taken back: return against INV-1",  # all it earned
        "20 points taken off by the shop (goodwill undone)",
        "Earned 120 points on invoice INV-1"]


def test_history_lines_merge_one_commands_entries_and_stop_at_the_limit() -> None:
    day = dt.date(2024, 3, 1)
    entries = [{"date": day, "kind": "reversal", "points": -30, "ref": "return R-1",
                "reason": None, "program_id": "bank"},
               {"date": day, "kind": "reversal", "points": -20, "ref": "return R-1",
                "reason": None, "program_id": "bank"},
               {"date": day, "kind": "debt_payoff", "points": 5, "ref": None, "reason": None,
                "program_id": "bank"},
               {"date": day, "kind": "award", "points": -250, "ref": "award 25 dollars",
                "reason": None, "program_id": "club"},
               {"date": day, "kind": "expiry", "points": -1, "ref": None, "reason": None,
                "program_id": "bank"}]
    assert [(x.text, x.points) for x in lines(entries)] == [
        ("50 points taken back: return R-1", -50),
        ("Turned 250 points into a reward: 25 dollars", -250),
        ("1 point expired", -1)]
    assert len(lines(entries, limit=2)) == 2


def test_receipts_share_one_standing_link_while_it_has_a_month_to_run(
        shop: Patronage, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    assert shop.run(lambda tx: customer_links.receipt_link(tx, "C1")) is None  # no public URL
    monkeypatch.setenv("PATRONAGE_PUBLIC_URL", PUBLIC + "/")
    first = shop.run(lambda tx: customer_links.receipt_link(tx, "C1"))
    assert first is not None and first.startswith(PUBLIC + "/me/")
    assert shop.run(lambda tx: customer_links.receipt_link(tx, "C1")) == first
    assert opened(shop, first.rsplit("/", 1)[1])[0] is None
    clock.set(dt.date(2024, 3, 1))  # 30 days left: still carried
    assert shop.run(lambda tx: customer_links.receipt_link(tx, "C1")) == first
    clock.set(dt.date(2024, 3, 2))  # under 30 days left: a new one
    second = shop.run(lambda tx: customer_links.receipt_link(tx, "C1"))
    assert second not in (None, first)
    shop.run(lambda tx: customer_links.revoke_all(tx, "C1"))
    third = shop.run(lambda tx: customer_links.receipt_link(tx, "C1"))
    assert third not in (None, first, second)
    made_by = {x.created_by for x in shop.read(lambda tx: customer_links.listing(tx, "C1"))}
    assert made_by == {customer_links.DOCUMENTS}


@pytest.fixture
def file_app(database_url: str) -> Iterator[Patronage]:
    """The facade on a real database (a SQLite file or PostgreSQL), migrated as a shop's
    is: several connections, as a send pass uses them."""
    app = open_app(database_url, FixedClock(dt.date(2024, 1, 1)))
    yield app
    app.engine.dispose()


def test_letters_to_the_customer_carry_the_link_with_a_public_url(
        file_app: Patronage, mail: MailServer, monkeypatch: pytest.MonkeyPatch) -> None:
    letters_carry_the_link(file_app, mail, monkeypatch)


def test_letters_carry_the_link_on_an_in_memory_database_too(
        app: Patronage, mail: MailServer, monkeypatch: pytest.MonkeyPatch) -> None:
    letters_carry_the_link(app, mail, monkeypatch)


def letters_carry_the_link(shop: Patronage, mail: MailServer,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    earn_award(shop)  # a letter to Ann, an email to the manager, one to a subscriber
    monkeypatch.setenv("PATRONAGE_PUBLIC_URL", PUBLIC)
    assert send_outbox(shop.engine, mail.settings, NOON)["sent"] == 3
    letter = mail.inbox.to("ann@example.com")[0].get_body(("html",)).get_content()  # type: ignore[union-attr]
    url = letter.split(f'href="{PUBLIC}/me/', 1)[1].split('"', 1)[0]
    why, page = opened(shop, url)
    assert why is None and page is not None and page.customer_name == "Ann Lee"
    for staff in ("manager@example.com", "owner@example.com"):
        body = mail.inbox.to(staff)[0].get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert "/me/" not in body
    listed = shop.read(lambda tx: customer_links.listing(tx, "C1"))
    assert [(x.created_by, x.expires_at) for x in listed] == \
        [(customer_links.DOCUMENTS, dt.datetime(2024, 3, 31))]  # from the letter's day


def test_letters_carry_no_link_without_a_public_url(app: Patronage, mail: MailServer) -> None:
    earn_award(app)
    assert send_outbox(app.engine, mail.settings, NOON)["sent"] == 3
    letter = mail.inbox.to("ann@example.com")[0].get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "/me/" not in letter and "Dear Ann Lee" in letter
    assert app.read(lambda tx: customer_links.listing(tx, "C1")) == []



def test_the_page_shows_the_tier_held(app: Patronage, clock: FixedClock) -> None:
    """Issue 23 items 1 and 5 (T9): a customer who reached a tier sees it on the page; one
    who has not sees none."""
    tiered = dict(BANK, status_tiers={
        "measure": "spend", "window": "calendar_year", "grace_days": 0,
        "levels": [{"name": "silver", "threshold": "100", "multiplier": "1.25"}]})
    make_shop(app, tiered, customers=("C1", "C2"), name="Tire Town")
    for customer in ("C1", "C2"):
        app.enroll({"customer": customer, "program": "bank"})
    app.post_invoice({"id": "INV-1", "customer": "C1", "store": 1,
                      "lines": [{"sku": "TIRE", "qty": "1", "price": "120.00"}]})
    _, page = opened(app, token_of(make(app, "C1")))
    assert page is not None and page.tier == "silver"
    _, other = opened(app, token_of(make(app, "C2")))
    assert other is not None and other.tier is None
