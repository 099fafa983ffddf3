"""Scenario-format additions for campaigns (issue 23 item 3; docs/scenarios.md): the
`campaigns` and `explain` sections of an `expect` block.

    expect:
      campaigns:
        double: {given: 150, left: 0, status: spent}
      explain:
        INV-1: ["campaign Double weekend: +100 points"]

`campaigns` compares a campaign's figures as REST shows them (only the keys written);
`explain` checks that each text is part of a note of the invoice's explanation (the
console's "why it earned that"), as `notes_contain` does for a customer's notes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from patronage.entrypoints.simulate.expect import Found, Kind, _entities, _value
from patronage.entrypoints.simulate.source import NodePath
from patronage.service import campaigns, explaining

CAMPAIGN_FIELDS: Mapping[str, Kind] = {
    "name": "text",
    "status": "text",  # active, scheduled, ended, spent, stopped
    "given": "points",
    "left": "points",
    "budget": "points",
    "expires": "date",
}
SECTIONS = ("campaigns", "explain")


def problems(section: str, value: Any, path: NodePath) -> Found:
    """The structure problems of a `campaigns` or `explain` section."""
    if section == "campaigns":
        return _entities(value, path, CAMPAIGN_FIELDS, "campaign")
    if not isinstance(value, Mapping):
        return [(path, "write a mapping of invoice ids to the texts their notes contain")]
    found: Found = []
    for key, raw in value.items():
        found += _value("texts", raw, path + (key,))
    return found


def checks(app: Any, section: str, value: Mapping[Any, Any], day: dt.date) -> list[Any]:
    from patronage.entrypoints.simulate.checks import _compare, _read

    out: list[Any] = []
    for key, wanted in value.items():
        if section == "campaigns":
            path: NodePath = ("campaigns", key)

            def compare(key: Any = key, wanted: Any = wanted, path: NodePath = path) -> list[Any]:
                shown = app.run(lambda tx: campaigns.get(tx, str(key)))
                return [_compare(path + (name,), f"campaign {key} {name}",
                                 CAMPAIGN_FIELDS[name], raw, shown[name])
                        for name, raw in wanted.items()]

            out += _read(path, f"campaign {key}", compare)
        else:
            path = ("explain", key)

            def notes(key: Any = key, wanted: Any = wanted, path: NodePath = path) -> list[Any]:
                found = app.run(lambda tx: explaining.explain_by_id(tx, str(key)))
                return [_compare(path, f"invoice {key} explained", "texts", wanted,
                                 found["explain_notes"])]

            out += _read(path, f"invoice {key} explained", notes)
    return out
