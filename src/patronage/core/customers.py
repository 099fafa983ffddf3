"""Customers' own settings: the status a shop lets them have, and the postal address
printed on their letters.

Pure rules (PRODUCT.md section 1, "customer" and "customer status"; seed 004's client
statuses and printed reward letters); the service layer reads the shop's lists and the
customer, these functions judge.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from patronage.core.errors import Problem

ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "region", "postal_code", "country")
CONTACT_FIELDS = ("phone", *ADDRESS_FIELDS)


def status_problem(status: str | None, defined: Collection[str],
                   current: str | None = None) -> Problem | None:
    """Section 1 (customer status, seed 004): a status is chosen from the shop's list.

    Refused: a status the shop does not define, when it defines any. A shop that defines
    none keeps free statuses (it never set up the list); a customer's current status is
    accepted again as it is, so that editing another detail of a customer whose status the
    shop has since dropped does not fail. No status (None) is always allowed.
    """
    if status is None or not defined or status in defined or status == current:
        return None
    known = ", ".join(sorted(defined))
    return Problem("status", f"unknown status {status!r}; the shop's statuses are {known}")


def address_lines(customer: Mapping[str, Any]) -> list[str]:
    """The postal address block of a letter, after the customer's name (seed 004's printed
    letters): the street lines, then "city, region postal code", then the country. Blank
    parts are left out; a customer without an address gives no lines."""
    def part(name: str) -> str:
        return str(customer.get(name) or "").strip()

    place = ", ".join(x for x in (part("city"), " ".join(
        x for x in (part("region"), part("postal_code")) if x)) if x)
    lines = [part("address_line1"), part("address_line2"), place, part("country").upper()]
    return [line for line in lines if line]
