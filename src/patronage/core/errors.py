"""Domain errors with the stable codes of PRODUCT.md section 12.

Every refusal raises `PatronageError`; each entry point has one translator that turns it
into an HTTP answer or a CLI message. Rules are enforced with these, never with `assert`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CODES = frozenset(
    {
        "not_found",
        "invalid",
        "invalid_program",
        "program_not_open",
        "already_enrolled",
        "not_enrolled",
        "card_in_use",
        "card_inactive",
        "above_maximum",
        "not_whole_points",
        "insufficient_points",
        "conflict",
        "return_exceeds_sale",
        "already_voided",
        "below_minimum",  # R6: fewer points than a program's redeem_min_points (issue 23)
        "not_whole_steps",  # R7: points not a multiple of redeem_step_points (issue 23)
        "not_open",  # cancelling a credit memo or coupon that is used or expired (issue 21)
    }
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: the field at fault and a readable message."""

    field: str
    message: str


@dataclass
class PatronageError(Exception):
    """A refusal. `code` is stable; `message` is for a cashier; `problems` name the fields."""

    code: str
    message: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown error code {self.code!r}")
        super().__init__(self.message)

    @property
    def fields(self) -> list[str]:
        return [p.field for p in self.problems]

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "fields": [{"field": p.field, "message": p.message} for p in self.problems],
        }

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def not_found(what: str, key: object, field_name: str | None = None) -> PatronageError:
    return PatronageError(
        "not_found", f"unknown {what} {key!r}", [Problem(field_name or what, f"no {what} {key!r}")]
    )


def invalid(field_name: str, message: str) -> PatronageError:
    return PatronageError("invalid", f"{field_name}: {message}", [Problem(field_name, message)])
