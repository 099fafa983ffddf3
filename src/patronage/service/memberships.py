"""Several programs per customer (E1, issue 21 item 1): the open enrollments a customer
holds and the one a command names.

With the shop's `programs_per_customer: one` (the default, seed 001) a customer holds at
most one open enrollment and nothing here changes what the engine did before. With `many`
(seed 002's duplicate programs, seed 003's balances per program) a customer holds at most
one per program: an invoice earns in each, and a command that acts on one enrollment
(a redemption, an adjustment, an unenrollment) names its program when there are several.
"""

from __future__ import annotations

from collections.abc import Callable

from patronage.core.errors import PatronageError, Problem
from patronage.service.ports import Row, Rows
from patronage.service.uow import Tx

ONE, MANY = "one", "many"


def many(tx: Tx) -> bool:
    """Whether the shop lets a customer hold several programs (E1)."""
    shop = tx.repo.shop()
    return bool(shop is not None and shop.get("programs_per_customer") == MANY)


def enrollments_for(tx: Tx, customer_id: str) -> Rows:
    """The customer's open enrollments, oldest first: at most one unless the shop allows
    many. Read under the customer's lock where a command decides on them."""
    if not many(tx):
        one = tx.repo.open_enrollment(customer_id)
        return [] if one is None else [one]
    return tx.repo.open_enrollments(customer_id)


def named_enrollment(tx: Tx, customer_id: str, program: str | None, field: str,
                     among: Callable[[Row], bool] | None = None) -> Row | None:
    """The open enrollment a command acts on: the one in `program` when it is named
    (`not_enrolled` at `field` when the customer is not in it); else the only one of the
    customer's enrollments that `among` accepts (all by default). With several of those and
    no program named the command is refused `invalid` at `field`: which one is not guessed.
    None when the customer holds none (the caller says what that means)."""
    held = enrollments_for(tx, customer_id)
    if program is not None:
        found = next((e for e in held if e["program_id"] == program), None)
        if found is None:
            raise PatronageError("not_enrolled",
                                 f"customer {customer_id!r} is not enrolled in {program!r}",
                                 [Problem(field, "not one of the customer's programs")])
        return found
    fitting = [e for e in held if among is None or among(e)]
    if len(fitting) > 1:
        names = ", ".join(str(e["program_id"]) for e in fitting)
        raise PatronageError("invalid",
                             f"customer {customer_id!r} is in several programs ({names}): "
                             "name the program",
                             [Problem(field, "required: the customer is in several programs")])
    if fitting:
        return fitting[0]
    return held[0] if held else None


def holders_of_several(tx: Tx) -> list[str]:
    """Customers holding more than one open enrollment (a switch back to `one` waits for
    them), at most a few for the message."""
    return tx.repo.holders_of_several(5)


def set_programs_per_customer(tx: Tx, setting: str) -> None:
    """The shop's E1 setting. Back to `one` is refused (`conflict`) while a customer holds
    several open enrollments: which of them to keep is for staff to decide, customer by
    customer (unenroll), not for a settings page."""
    if setting == ONE and many(tx):
        several = holders_of_several(tx)
        if several:
            raise PatronageError(
                "conflict",
                f"customers hold several programs ({', '.join(several)}"
                f"{', ...' if len(several) == 5 else ''}): unenroll them from all but one first",
                [Problem("programs_per_customer", "customers hold several programs")])
    tx.repo.save_shop({"programs_per_customer": setting})
