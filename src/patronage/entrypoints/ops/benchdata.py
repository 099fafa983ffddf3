"""The benchmark's shop and files: a chain of ten stores, two programs, N customers and a
year of invoices (about five lines each), made from a fixed seed so runs compare.

Half the customers collect reward dollars (a points bank: 1-3 % back, points expire after
a year); the other half are in a "250 club" (a point per $5, ten days pending, a $10
credit memo per 100 points, points expire after a year). Lines mix parts, tires, labor
and shop supplies, as a tire shop's POS would send them.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from patronage.entrypoints.ops.files import CUSTOMER_COLUMNS, INVOICE_COLUMNS

START = dt.date(2024, 1, 1)
DAYS = 365
LINES_PER_CUSTOMER = 5

SHOP: dict[str, Any] = {
    "name": "Bench Tire & Auto",
    "stores": [{"id": i, "name": f"Store {i}"} for i in range(1, 11)],
    "statuses": [{"code": "active"}, {"code": "closed", "include_in_loyalty": False}],
    "reasons": [{"code": "LOYALTY", "account": "4950"}],
}
PROGRAMS: list[dict[str, Any]] = [
    {"id": "bank", "name": "Reward Dollars", "kind": "points_bank", "status": "open",
     "effective": "2023-01-01", "point_value": "0.01", "points_expire_days": 365,
     "report_in_sale_code": "REWARDS",
     "filters": [{"name": "parts", "exclude_item_types": ["labor", "shop_supplies"]}],
     "percent_tiers": [{"up_to": "100.00", "percent": "1"}, {"up_to": "500.00", "percent": "2"},
                       {"percent": "3"}]},
    {"id": "club", "name": "250 Club", "kind": "recurring", "status": "open",
     "effective": "2023-01-01", "grace_days": 10, "points_expire_days": 365,
     "filters": [{"name": "all", "exclude_item_types": ["shop_supplies"]}],
     "multipliers": [{"name": "base", "currency_per_point": "5.00"}],
     "awards": [{"name": "ten dollars", "level": 100,
                 "credit_memo": {"amount": "10.00", "expire_days": 90, "reason": "LOYALTY"}}]},
]
ITEMS = [("TIRE", "product", "TIRES", "MICHELIN", 8000, 22000),  # price range in cents
         ("PADS", "product", "BRAKES", "BOSCH", 3000, 9000),
         ("OIL", "product", "FLUIDS", "MOBIL", 500, 4000),
         ("LAB", "labor", "SERVICE", None, 6000, 18000),
         ("SUP", "shop_supplies", "SERVICE", None, 200, 1500)]


def write_customers(path: Path, customers: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(CUSTOMER_COLUMNS)
        for i in range(customers):
            program = "bank" if i % 2 == 0 else "club"
            out.writerow([f"C{i}", f"Customer {i}", f"c{i}@example.com",
                          rnd.choice(("retail", "retail", "commercial")), "active", program,
                          (START - dt.timedelta(days=rnd.randint(1, 30))).isoformat(),
                          f"4{i:09d}"])


def invoice_rows(prefix: str, customers: list[str], invoices: int, seed: int,
                 lines: tuple[int, int] = (1, 9), start: dt.date = START,
                 days: int = DAYS) -> Iterator[list[str]]:
    """Rows of `invoices` invoices spread over `days` from `start`, in date order."""
    rnd = random.Random(seed)
    for n in range(invoices):
        day = start + dt.timedelta(days=n * days // invoices)
        customer = customers[rnd.randrange(len(customers))]
        store = str(rnd.randint(1, 10))
        count = rnd.randint(*lines)
        tax = f"{rnd.randint(0, 20)}.{rnd.randint(0, 99):02d}"
        for k in range(count):
            sku, item_type, line, brand, low, high = ITEMS[rnd.randrange(len(ITEMS))]
            cents = rnd.randint(low, high)
            yield ([f"{prefix}{n}", day.isoformat(), store, customer, "sale", "",
                         f"{sku}-{rnd.randint(1, 50)}", item_type, line, "", brand or "",
                         brand or "", str(rnd.choice((1, 1, 2, 4))), f"{cents // 100}.{cents % 100:02d}",
                         "0.00", tax if k == 0 else "0.00"])


def write_invoices(path: Path, rows: Iterable[list[str]]) -> int:
    """Write the rows under the header; how many there were."""
    count = 0
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(INVOICE_COLUMNS)
        for row in rows:
            out.writerow(row)
            count += 1
    return count


def read_rows(path: Path, limit: int) -> list[list[str]]:
    """The first `limit` rows of a file, as text."""
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return [row for _, row in zip(range(limit), reader, strict=False)]
