"""The scenario format's campaigns (docs/scenarios.md, issue 23 item 3): the `campaigns:`
section and the `campaign`/`change_campaign` steps are judged key by key (exit 2 with
the line), the `campaigns` and `explain` checks refuse what they cannot read, and a check
that does not hold says what differed."""

from __future__ import annotations

import textwrap

from patronage.entrypoints.simulate import ScenarioError, parse_scenario
from patronage.entrypoints.simulate.database import patronage_session
from patronage.entrypoints.simulate.report import Report
from patronage.entrypoints.simulate.runner import run_scenario

HEAD = """\
shop: {stores: [{id: 1, name: Main}]}
programs:
  - {id: club, name: Club, kind: recurring, status: open, effective: 2024-01-01, filters: [{name: all}], multipliers: [{name: m, currency_per_point: "1.00"}], awards: [{name: a, level: 100000, credit_memo: {amount: "5.00"}}]}
customers: [{id: C1, name: Ann}]
"""


def problems(text: str) -> list[str]:
    try:
        parse_scenario(textwrap.dedent(text), "s.yaml")
    except ScenarioError as exc:
        return [f"{p.line}: {p.message}" for p in exc.problems]
    return []


def test_structure_problems_are_found_with_their_line() -> None:
    assert problems(HEAD + """\
campaigns:
  - {id: k, program: club, name: K, effective: 2024-01-01, multiplier: "2", colour: red}
  - {id: j, program: club, name: J, multiplier: "2"}
timeline:
  - {date: 2024-01-02, campaign: {id: x, program: club, name: X, effective: 2024-01-02, multipler: "2"}}
  - {date: 2024-01-02, change_campaign: {id: x, stop: true}}
  - date: 2024-01-02
    expect:
      campaigns: {k: {given: "10", gave: 3}}
      explain: {I1: "not a list"}
""") == [
        ("6: unknown key 'colour' (use one of id, program, name, effective, expires, stores, "
         "tiers, lines, multiplier, bonus_points, bonus_min_qty, budget)"),
        "7: missing key 'effective'",
        "9: unknown key 'multipler' (did you mean 'multiplier'?)",
        "10: unknown key 'stop' (use one of name, expires, budget, status, id)",
        "13: given: write a whole number",
        "13: unknown key 'gave' for campaign k",
        "14: I1: write a list of strings",
    ]


def test_a_check_that_does_not_hold_says_what_differed() -> None:
    scenario = parse_scenario(HEAD + """\
campaigns:
  - {id: k, program: club, name: Double, effective: 2024-01-01, multiplier: "2", budget: 15}
timeline:
  - {date: 2024-01-02, enroll: {customer: C1, program: club}}
  - {date: 2024-01-02, invoice: {id: I1, customer: C1, store: 1, lines: [{sku: X, qty: 1, price: "10.00"}]}}
  - date: 2024-01-02
    expect:
      campaigns: {k: {given: 10, left: 5, status: spent}, nope: {given: 0}}
      explain: {I1: ["campaign Double: +10 points", "campaign Triple"]}
""", "s.yaml")
    lines: list[str] = []
    report = Report(lines.append)
    assert scenario.first_date is not None
    with patronage_session(scenario.first_date) as session:
        run_scenario(scenario, session, report)
    failed = [line for line in lines if line.startswith("FAIL")]
    assert len(failed) == 3, lines
    assert "campaign k status: expected spent, got active" in failed[0]
    assert "campaign nope: could not be read: not_found" in failed[1]
    assert "no note contains [campaign Triple]" in failed[2]
