"""Issue 23 item 3 (K1-K7 in docs/decisions.md) through the service layer: the budget is
never overspent by posts at the same moment (PostgreSQL and SQLite), a quote reserves
nothing, a campaign for a tier sees the tier's extra, a change made by one process is seen
by another at its next post, a refusal changes nothing, and a shop without campaigns
sends no statement about them on a post."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event, select, update

from patronage.adapters.db import tables as t
from patronage.adapters.db.all_tables import metadata
from patronage.adapters.db.engine import make_engine
from patronage.adapters.db.tables_campaigns import campaigns as campaign_rows
from patronage.core.earning import Extra, Rate
from patronage.core.errors import PatronageError
from patronage.service import campaigns, check, tiers
from patronage.service.app import Patronage
from patronage.service.clock import FixedClock

from .support import CLUB, make_shop, snapshot
from .test_concurrent_redemption import race

BASE: dict[str, Any] = {**CLUB, "grace_days": 0, "awards": [
    {"name": "far", "level": 10**9, "credit_memo": {"amount": "5.00", "reason": "loyalty"}}]}
DOUBLE: dict[str, Any] = {"id": "double", "program": "club", "name": "Double",
                          "effective": "2024-01-01", "multiplier": "2"}


def sale(ext: str, customer: str = "C1", price: str = "10.00") -> dict[str, Any]:
    return {"id": ext, "customer": customer, "store": 1,
            "lines": [{"sku": "X", "qty": "1", "price": price}]}


def shop(app: Patronage, customers: tuple[str, ...] = ("C1",)) -> Patronage:
    make_shop(app, BASE, customers=customers)
    for c in customers:
        app.enroll({"customer": c, "program": "club"})
    return app


def make(app: Patronage, **settings: Any) -> dict[str, Any]:
    return app.run(lambda tx: campaigns.create(tx, {**DOUBLE, **settings}))


def extras_given(app: Patronage, campaign_id: str) -> int:
    with app.engine.connect() as conn:
        rates = conn.execute(select(t.invoices.c.rate)).scalars()
        return sum(x.points for r in rates for x in Rate.from_json(r).extras
                   if x.source == "campaign:" + campaign_id)


THREADS = 8


@pytest.fixture
def shared(database_url: str, clock: FixedClock) -> Iterator[Patronage]:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    app = Patronage(engine, clock)
    shop(app, tuple(f"C{i}" for i in range(THREADS)))
    yield app
    engine.dispose()


def test_posts_at_once_never_give_more_than_the_budget(shared: Patronage) -> None:
    """K5: each post would give 10 on top, 80 in all; 8 posts at once against a budget of
    35, three times over (the budget raised by 35 after each round; 35 is not a multiple of
    10: one post gets the last 5)."""
    make(shared, budget=35)
    for round_no in range(1, 4):
        bodies = [sale(f"R{round_no}-{i}", f"C{i}") for i in range(THREADS)]
        done, refused = race([partial(shared.post_invoice, b) for b in bodies])
        assert not refused and len(done) == THREADS
        shown = shared.run(lambda tx: campaigns.get(tx, "double"))
        assert shown["given"] == extras_given(shared, "double") == 35 * round_no
        assert sum(v.points for v in done) == 10 * THREADS + 35
        shared.run(partial(campaigns.change, campaign_id="double",
                           body={"budget": 35 * (round_no + 1)}))


def test_one_round_spends_exactly_the_budget(shared: Patronage) -> None:
    make(shared, budget=35)
    bodies = [sale(f"I{i}", f"C{i}") for i in range(THREADS)]
    done, _ = race([partial(shared.post_invoice, b) for b in bodies])
    assert sorted(v.points for v in done) == [10] * 4 + [15] + [20] * 3
    assert shared.run(lambda tx: campaigns.get(tx, "double"))["given"] == 35


def test_a_quote_reserves_nothing(app: Patronage) -> None:
    shop(app)
    make(app, budget=15)
    for _ in range(3):
        assert app.quote(sale("Q"))["points"] == 20
    assert app.run(lambda tx: campaigns.get(tx, "double"))["given"] == 0
    assert app.post_invoice(sale("I1")).points == 20
    assert app.quote(sale("Q"))["points"] == 15


def test_check_holds_given_against_the_extras_on_invoices(app: Patronage) -> None:
    """`patronage check`: `given` is the sum of the campaign's extras frozen on invoices'
    rates (a void gives nothing back, K6); a `given` changed by hand is a fault."""
    shop(app)
    make(app)
    app.post_invoice(sale("I1"))
    app.post_invoice(sale("I2", price="30.00"))
    app.void_invoice({"invoice": "I1", "store": 1})
    assert app.read(check.run).faults == []
    assert app.run(lambda tx: campaigns.get(tx, "double"))["given"] == 40
    with app.engine.begin() as conn:
        conn.execute(update(campaign_rows).values(given=campaign_rows.c.given - 7))
    found = [str(f) for f in app.read(check.run).faults]
    assert found == [("campaign_given: campaign double of program club: given is 33, the "
                      "extras it gave on invoices sum to 40")]


def test_a_campaign_for_a_tier_sees_the_tier_extra(app: Patronage,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    shop(app)
    make(app, tiers=["Gold"])
    assert app.post_invoice(sale("I1")).points == 10  # no tier: not for this customer
    monkeypatch.setattr(tiers, "extras",
                        lambda *a, **k: [Extra("tier:gold", 3, "Gold")])
    # base 10, tier 3, double 10 (on the base, not on the tier's 3)
    assert app.post_invoice(sale("I2")).points == 23
    with app.engine.connect() as conn:
        rate = Rate.from_json(conn.execute(select(t.invoices.c.rate).where(
            t.invoices.c.external_id == "I2")).scalar())
    assert [x.source for x in rate.extras] == ["tier:gold", "campaign:double"]


def test_a_change_by_another_process_is_seen_at_the_next_post(
        database_url: str, clock: FixedClock) -> None:
    """K7: two engines are two processes' caches; the version of the program moves on."""
    one, two = make_engine(database_url), make_engine(database_url)
    try:
        metadata.create_all(one)
        first, second = Patronage(one, clock), Patronage(two, clock)
        shop(first)
        assert first.post_invoice(sale("I1")).points == 10  # `first` remembers: none
        make(second)
        assert first.post_invoice(sale("I2")).points == 20
        second.run(lambda tx: campaigns.change(tx, "double", {"status": "stopped"}))
        assert first.post_invoice(sale("I3")).points == 10
    finally:
        one.dispose()
        two.dispose()


def test_refusals_change_nothing(app: Patronage) -> None:
    shop(app)
    make(app, budget=50)
    before = snapshot(app)
    for body, code in [({**DOUBLE, "multiplier": "3"}, "conflict"),
                       ({**DOUBLE, "id": "x", "program": "nope"}, "not_found"),
                       ({**DOUBLE, "id": "x", "multiplier": "0.5"}, "invalid"),
                       ({**DOUBLE, "id": "x", "stores": [0]}, "invalid")]:
        with pytest.raises(PatronageError) as caught:
            app.run(partial(campaigns.create, body=body))
        assert caught.value.code == code
    app.post_invoice(sale("I1"))  # gives 10 of the 50
    before = snapshot(app)
    for change, code in [({"budget": 9}, "invalid"), ({"expires": "2023-01-01"}, "invalid"),
                         ({"status": "paused"}, "invalid")]:
        with pytest.raises(PatronageError) as caught:
            app.run(partial(campaigns.change, campaign_id="double", body=change))
        assert caught.value.code == code
    assert snapshot(app) == before


def test_ended_and_scheduled(app: Patronage, clock: FixedClock) -> None:
    shop(app)
    make(app, effective="2024-02-01", expires="2024-03-01")
    assert app.run(lambda tx: campaigns.get(tx, "double"))["status"] == "scheduled"
    clock.set(dt.date(2024, 3, 1))
    assert app.run(lambda tx: campaigns.listing(tx, "club"))[0]["status"] == "ended"
    with pytest.raises(PatronageError) as caught:
        app.run(lambda tx: campaigns.listing(tx, "nope"))
    assert caught.value.code == "not_found"


def test_a_shop_without_campaigns_sends_no_statement_for_them(app: Patronage) -> None:
    """K7: after the first post (which learns the program has none), a post does not ask."""
    shop(app)
    seen: list[str] = []
    event.listen(app.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: seen.append(statement))
    app.post_invoice(sale("I1"))
    seen.clear()
    app.post_invoice(sale("I2"))
    app.quote(sale("Q"))
    assert seen and not [s for s in seen if campaign_rows.name in s]
