"""The program form's "Status tiers" card (issue 23 item 1; T1-T7 in docs/decisions.md).

Its fields are named by the paths of the program format (`status_tiers.grace_days`,
`status_tiers.levels.1.threshold`), the paths a refusal's problems name, so each problem
is shown beside its field (forms.py `place`). The levels are rows; the form always shows
one blank row more to add a level, and a row left blank is no level. No level at all: the
program has no tiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFIX = "status_tiers"
SETTINGS = ("measure", "window", "rolling_days", "grace_days")
LEVEL_FIELDS = ("name", "threshold", "multiplier", "price_group")
ROWS = "tier_levels"  # the display's list of level rows (a plain key for the template)
MAX_LEVELS = 20


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def blank_level() -> dict[str, str]:
    return dict.fromkeys(LEVEL_FIELDS, "")


def display(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """A stored program's tier settings (the `ProgramIn` mapping's) as the form shows them."""
    stored = stored or {}
    out: dict[str, Any] = {f"{PREFIX}.{f}": _text(stored.get(f)) for f in SETTINGS}
    levels = [{f: _text(level.get(f)) for f in LEVEL_FIELDS} for level in stored.get("levels") or []]
    out[ROWS] = [*levels, blank_level()]
    return out


def typed(form: Mapping[str, Any]) -> dict[str, Any]:
    """What was typed, kept as typed, with one blank row more."""
    out: dict[str, Any] = {f"{PREFIX}.{f}": str(form.get(f"{PREFIX}.{f}") or "") for f in SETTINGS}
    rows = []
    for i in range(MAX_LEVELS + 1):
        row = {f: str(form.get(f"{PREFIX}.levels.{i}.{f}") or "").strip() for f in LEVEL_FIELDS}
        if any(row.values()):
            rows.append(row)
    out[ROWS] = [*rows, blank_level()]
    return out


def body(shown: Mapping[str, Any]) -> dict[str, Any] | None:
    """The `status_tiers` of the program's body, None when no level is filled in (blank
    settings are the defaults)."""
    levels = [{f: v for f, v in row.items() if v} for row in shown.get(ROWS) or []
              if any(row.values())]
    if not levels:
        return None
    out: dict[str, Any] = {f: str(shown.get(f"{PREFIX}.{f}") or "").strip() for f in SETTINGS}
    out = {f: v for f, v in out.items() if v}
    out["levels"] = levels
    return out


def paths(shown: Mapping[str, Any]) -> set[str]:
    """The form paths a problem may be placed beside."""
    out = {PREFIX, f"{PREFIX}.levels", *(f"{PREFIX}.{f}" for f in SETTINGS)}
    for i in range(len(shown.get(ROWS) or [])):
        out.add(f"{PREFIX}.levels.{i}")
        out |= {f"{PREFIX}.levels.{i}.{f}" for f in LEVEL_FIELDS}
    return out
