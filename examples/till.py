"""A till's whole day against a running `patronage serve`, through `patronage.client`.

Three customers come in: cards are scanned, carts quoted, sales posted (one paying with
its rewards, one asking for more rewards than it has and falling back to cash), a layaway
is paid off and converted, goods come back, a mistaken sale is voided by a manager, a
manager gives goodwill points, and the day is closed with the maintenance run. At the end
it prints the day's figures and each customer's balance as the server tells it.

    python examples/till.py --url http://127.0.0.1:8000 --key $KEY --manager-key $MANAGER

`--admin-key` first sets up the demo shop (store 1) and its points bank `rewards` (10
points a dollar, a point worth a cent, labor excluded). Every id of the day starts with
`--run` (random by default), so the script can run again on the same database.
See examples/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from patronage.client import InvoiceOut, PatronageApiError, PatronageClient

SHOP = {"name": "Tire Town", "currency": "USD", "stores": [{"id": 1, "name": "Main"}]}
PROGRAM = {"id": "rewards", "name": "Reward Dollars", "kind": "points_bank", "status": "open",
           "effective": "2020-01-01", "point_value": "0.01", "redeem_as": "payment",
           "filters": [{"name": "all sales", "exclude_item_types": ["labor"]}],
           "multipliers": [{"name": "10 points a dollar", "currency_per_point": "0.10"}]}
CUSTOMERS = {"ANN": "Ann Lee", "BOB": "Bob Diaz", "CAL": "Cal Ng"}
ZERO = Decimal("0.00")


@dataclass
class Day:
    """What the till did, added up as the answers came back."""

    run: str
    store: int
    out: TextIO
    invoices: int = 0
    sales: Decimal = ZERO
    points_earned: int = 0
    rewards_redeemed: Decimal = ZERO
    points_redeemed: int = 0
    layaway_payments: Decimal = ZERO
    returns: int = 0
    returned: Decimal = ZERO
    points_taken: int = 0
    voids: int = 0
    points_voided: int = 0
    points_adjusted: int = 0
    refusals: list[str] = field(default_factory=list)
    cards: dict[str, str] = field(default_factory=dict)

    def id(self, name: str) -> str:
        return f"{self.run}-{name}"

    def say(self, text: str) -> None:
        print(text, file=self.out)

    def sold(self, invoice: InvoiceOut, *, points_used: int = 0) -> None:
        self.invoices += 1
        self.sales += invoice.total
        self.points_earned += invoice.points
        self.rewards_redeemed += invoice.redeemed_rewards
        self.points_redeemed += points_used
        left = invoice.balance.available if invoice.balance else "-"
        self.say(f"  {invoice.id}: total {invoice.total}, earned {invoice.points} points, "
                 f"balance now {left}")
        for line in invoice.receipt_lines:
            self.say(f"    receipt: {line.label} {line.amount}")


def line(sku: str, price: str, qty: str = "1", **extra: str) -> dict[str, str]:
    return {"sku": sku, "qty": qty, "price": price, **extra}


def set_up_shop(admin: PatronageClient, program: dict[str, Any]) -> None:
    admin.put_shop(SHOP)
    admin.put_program(program)


def open_accounts(manager: PatronageClient, day: Day, program: str) -> None:
    """The morning's new sign-ups: a customer, a loyalty card, an enrollment each."""
    for short, name in CUSTOMERS.items():
        customer = day.id(short)
        manager.put_customer(customer, name=name, type="retail")
        card = f"{day.run}-CARD-{short}"
        manager.add_card(customer, card)
        manager.enroll(customer, program)
        day.cards[customer] = card
        day.say(f"signed up {name} ({customer}), card {card}")


def scan(till: PatronageClient, day: Day, short: str) -> str:
    customer = till.find_card(day.cards[day.id(short)])
    day.say(f"{customer.name} arrives: card scanned, {customer.balance.available} points "
            f"({customer.balance.value} to spend)")
    return customer.id


def run_day(till: PatronageClient, manager: PatronageClient, day: Day) -> None:
    store = day.store
    # Ann buys two tires and their mounting (labor earns nothing)
    ann = scan(till, day, "ANN")
    day.sold(till.post_invoice({
        "id": day.id("INV-1"), "store": store, "customer": ann,
        "lines": [line("TIRE-205", "50.00", "2"), line("MOUNT", "20.00", item_type="labor")],
        "tax": "8.40", "payments": [{"tender": "card", "amount": "128.40"}]}))

    # Bob wants to pay with rewards he does not have yet: refused, he pays cash
    bob = scan(till, day, "BOB")
    cart = {"store": store, "customer": bob,
            "lines": [line("OIL-5W30", "45.00"), line("FILTER", "15.00")], "tax": "4.20"}
    try:
        till.post_invoice({**cart, "id": day.id("INV-2"), "redeem": {"rewards": "5.00"}})
    except PatronageApiError as refused:
        day.refusals.append(refused.code)
        day.say(f"  refused ({refused.code}, field {refused.field}): {refused.message}")
    day.sold(till.post_invoice({**cart, "id": day.id("INV-2"),
                                "payments": [{"tender": "cash", "amount": "64.20"}]}))

    # Ann comes back for wipers: quote first, then pay with all her rewards
    ann = scan(till, day, "ANN")
    cart = {"store": store, "customer": ann, "lines": [line("WIPERS", "30.00")], "tax": "2.10"}
    quote = till.quote(cart)
    day.say(f"  quote: earns {quote.points} points, rewards can pay up to {quote.rewards.max}")
    sale = till.post_invoice({**cart, "id": day.id("INV-3"), "redeem": {"rewards": "all"},
                              "payments": [{"tender": "cash", "amount": str(
                                  quote.total - quote.rewards.max)}]})
    day.sold(sale, points_used=quote.rewards.available_points)

    # Cal puts rims on layaway with a deposit, pays the rest, takes them home
    cal = scan(till, day, "CAL")
    day.say("  layaway:")
    layaway = till.post_invoice({
        "id": day.id("INV-4"), "store": store, "customer": cal, "type": "layaway",
        "lines": [line("RIMS", "200.00")], "payments": [{"tender": "cash", "amount": "50.00"}]})
    day.say(f"  {layaway.id}: layaway of {layaway.total}, paid {layaway.paid}")
    paid = till.post_payment(layaway.id, id=day.id("PAY-1"), store=store, tender="card",
                             amount=Decimal("150.00"))
    day.layaway_payments += Decimal("150.00")
    day.say(f"  {paid.id}: payment 150.00, paid {paid.paid} of {paid.total}")
    day.sold(till.convert_layaway(layaway.id, store=store))

    # Cal also gets a cap, rung up by mistake: the manager voids it
    mistake = till.post_invoice({"id": day.id("INV-5"), "store": store, "customer": cal,
                                 "lines": [line("CAP", "15.00")],
                                 "payments": [{"tender": "cash", "amount": "15.00"}]})
    day.sold(mistake)
    voided = manager.void(mistake.id, store=store)
    day.voids += 1
    day.points_voided += mistake.points
    day.sales -= mistake.total
    day.invoices -= 1
    day.say(f"  {voided.id} voided by the manager: {voided.status}")

    # Bob brings the filter back; the manager gives him goodwill points for the trouble
    bob = scan(till, day, "BOB")
    back = till.post_return({"id": day.id("RET-1"), "invoice": day.id("INV-2"),
                             "store": store, "lines": [{"sku": "FILTER", "qty": "1"}]})
    day.returns += 1
    day.returned += back.amount
    day.points_taken += back.points_taken
    day.say(f"  {back.id}: returned {back.amount}, {back.points_taken} points taken back")
    goodwill = manager.adjust(bob, points=250, reason="goodwill: filter returned")
    day.points_adjusted += goodwill.points
    day.say(f"  goodwill: +{goodwill.points} points, balance {goodwill.available}")

    # close the day
    closing = manager.run_maintenance(store=store)
    day.say(f"closing: {closing.message}")


def summary(till: PatronageClient, day: Day) -> dict[str, Any]:
    """The day's figures, and each customer's balance as the server now tells it."""
    customers = []
    for short, name in CUSTOMERS.items():
        balance = till.balance(day.id(short))
        customers.append({"id": day.id(short), "name": name, "card": day.cards[day.id(short)],
                          "available": balance.available, "value": str(balance.value)})
    return {
        "run": day.run, "store": day.store, "invoices": day.invoices, "sales": str(day.sales),
        "points_earned": day.points_earned, "rewards_redeemed": str(day.rewards_redeemed),
        "points_redeemed": day.points_redeemed, "layaway_payments": str(day.layaway_payments),
        "returns": day.returns, "returned": str(day.returned),
        "points_taken": day.points_taken, "voids": day.voids,
        "points_voided": day.points_voided, "points_adjusted": day.points_adjusted,
        "refusals": day.refusals, "customers": customers,
    }


def print_summary(report: dict[str, Any]) -> None:
    rows = [("invoices kept", report["invoices"]), ("sales", report["sales"]),
            ("points earned", report["points_earned"]),
            ("points redeemed", f"{report['points_redeemed']} ({report['rewards_redeemed']})"),
            ("layaway payments", report["layaway_payments"]),
            ("returns", (f"{report['returns']} ({report['returned']}, "
                         f"{report['points_taken']} points taken)")),
            ("voids", f"{report['voids']} ({report['points_voided']} points reversed)"),
            ("points adjusted", report["points_adjusted"]),
            ("refusals", ", ".join(report["refusals"]) or "none")]
    print(f"\nDay summary (run {report['run']}, store {report['store']})")
    for label, value in rows:
        print(f"  {label:<18} {value}")
    print("  balances:")
    for c in report["customers"]:
        print(f"    {c['id']:<16} {c['name']:<10} {c['available']:>8} points {c['value']:>10}")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=env("PATRONAGE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--key", default=env("PATRONAGE_API_KEY"),
                        help="the till's key (cashier); env PATRONAGE_API_KEY")
    parser.add_argument("--manager-key", default=env("PATRONAGE_MANAGER_KEY"),
                        help="for sign-ups, the void, goodwill and closing; "
                             "env PATRONAGE_MANAGER_KEY (default: --key)")
    parser.add_argument("--admin-key", default=env("PATRONAGE_ADMIN_KEY"),
                        help="set up the demo shop and program first; env PATRONAGE_ADMIN_KEY")
    parser.add_argument("--program", default="rewards", help="the points bank to enroll into")
    parser.add_argument("--store", type=int, default=1)
    parser.add_argument("--run", default=secrets.token_hex(3), help="prefix of the day's ids")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per try")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    if not args.key:
        parser.error("give --key (or set PATRONAGE_API_KEY)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    out = sys.stderr if args.json else sys.stdout  # the story; stdout keeps the JSON alone
    day = Day(run=args.run, store=args.store, out=out)
    options: dict[str, Any] = {"timeout": args.timeout, "key_prefix": f"till-{args.run}-"}
    with PatronageClient(args.url, args.key, **options) as till, \
            PatronageClient(args.url, args.manager_key or args.key, **options) as manager:
        try:
            if args.admin_key:
                with PatronageClient(args.url, args.admin_key, **options) as admin:
                    set_up_shop(admin, {**PROGRAM, "id": args.program})
            open_accounts(manager, day, args.program)
            run_day(till, manager, day)
            report = summary(till, day)
        except PatronageApiError as exc:
            where = f" (field {exc.field})" if exc.field else ""
            print(f"error: {exc.code}: {exc.message}{where}", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_summary(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
