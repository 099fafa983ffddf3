"""The loader: every structure problem reported at once, with its line; values left alone."""

from __future__ import annotations

import datetime as dt
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from patronage.entrypoints.simulate import (
    ScenarioError,
    load_scenario,
    parse_scenario,
    simulate,
)

EXAMPLES = Path(__file__).parents[2] / ".." / "shared" / "spec" / "examples"

HEAD = """\
shop: {stores: [{id: 1, name: Main}]}
programs:
  - {id: club, name: Club, kind: recurring, status: open, effective: 2017-01-01}
customers: [{id: C1, name: Ann}]
timeline:
"""


def problems(text: str) -> list[str]:
    """The problems of a scenario as `line: message`, [] when it is valid."""
    try:
        parse_scenario(textwrap.dedent(text), "s.yaml")
    except ScenarioError as exc:
        assert all(str(p).startswith("s.yaml:") for p in exc.problems)
        return [f"{p.line}: {p.message}" for p in exc.problems]
    return []


def timeline(steps: str) -> str:
    """HEAD (4 lines + `timeline:`) followed by steps, which start on line 6."""
    return HEAD + textwrap.indent(textwrap.dedent(steps), "  ")


def test_valid_scenario_keeps_steps_dates_bodies_and_lines() -> None:
    scenario = parse_scenario(
        timeline("""\
        - date: 2017-06-01
          enroll: {customer: C1, program: club}
        - date: 2017-06-01
          invoice: {id: I1, customer: C1, store: 1, lines: [{sku: X, qty: 1, price: "10.00"}]}
          error: not_found
        - date: 2017-06-02
          expect: {customers: {C1: {pending: 2}}, outbox: 0}
        """),
        "s.yaml",
    )
    assert [(s.line, s.date, s.action, s.error) for s in scenario.timeline] == [
        (6, dt.date(2017, 6, 1), "enroll", None),
        (8, dt.date(2017, 6, 1), "invoice", "not_found"),
        (11, dt.date(2017, 6, 2), "expect", None),
    ]
    assert scenario.timeline[0].body == {"customer": "C1", "program": "club"}
    assert scenario.programs[0]["effective"] == dt.date(2017, 1, 1)
    assert scenario.customers == [{"id": "C1", "name": "Ann"}]
    assert scenario.first_date == dt.date(2017, 6, 1)
    assert scenario.auto_maintenance is True
    assert scenario.line(("timeline", 2, "expect", "customers", "C1", "pending")) == 12


def test_an_empty_file_says_so() -> None:
    """Nothing to run is a mistake (a file saved empty, the wrong file), not a pass."""
    for text in ("", "# only a comment\n", "~\n"):
        assert problems(text) == [
            "1: the file is empty: a scenario has shop, programs, customers, timeline"]
    assert parse_scenario("shop: {}\n", "s.yaml").timeline == []  # a file with nothing due


def test_unknown_top_level_key() -> None:
    assert problems("shop: {}\ntimelines: []\n") == [
        "2: unknown key 'timelines' (did you mean 'timeline'?)"
    ]


def test_top_level_must_be_a_mapping() -> None:
    assert problems("- 1\n- 2\n") == [
        "1: a scenario is a mapping with keys shop, programs, customers, timeline"
    ]


def test_sections_of_the_wrong_container_type() -> None:
    assert problems("shop: []\nprograms: {}\ncustomers: 3\ntimeline: x\n") == [
        "1: shop must be a mapping",
        "2: programs must be a list",
        "3: customers must be a list",
        "4: timeline must be a list of steps",
    ]


def test_unknown_keys_in_shop_programs_and_customers_nested_too() -> None:
    assert problems("""\
        shop:
          curency: USD
          stores: [{id: 1, nme: Main}]
        programs:
          - id: club
            name: Club
            kind: recurring
            effective: 2017-01-01
            awards:
              - {name: a, level: 250, credit_memo: {amount: "25.00", expire_dayz: 30}}
        customers:
          - {id: C1, emial: a@b.c}
        """) == [
        "2: unknown key 'curency' (did you mean 'currency'?)",
        "3: unknown key 'nme' (did you mean 'name'?)",
        "10: unknown key 'expire_dayz' (did you mean 'expire_days'?)",
        "12: unknown key 'emial' (did you mean 'email'?)",
    ]


def test_missing_keys_in_programs_and_customers_point_at_the_mapping() -> None:
    assert problems("""\
        programs:
          - id: club
            name: Club
            effective: 2017-01-01
        customers:
          - {name: Ann}
        """) == ["2: missing key 'kind'", "6: missing key 'id'"]


def test_auto_maintenance_must_be_a_boolean() -> None:
    assert problems("shop: {auto_maintenance: sometimes}\n") == [
        "1: auto_maintenance must be true or false"
    ]


def test_steps_need_a_date_and_exactly_one_known_action() -> None:
    assert problems(
        timeline("""\
        - enroll: {customer: C1, program: club}
        - date: 2017-06-01
        - date: 2017-06-01
          enroll: {customer: C1, program: club}
          unenroll: {customer: C1}
        - date: 2017-06-01
          invoce: {id: I1, store: 1}
        - date: 1st of June
          unenroll: {customer: C1}
        - just a string
        """)
    ) == [
        "6: step has no date",
        (
            "7: step has no action (use one of adjust, campaign, card, change_campaign, "
            "convert_layaway, enroll, expect, invoice, maintenance, mass_enroll, mass_unenroll, "
            "payment, process_awards, program, return, unenroll, void)"
        ),
        "10: step has more than one action: enroll, unenroll",
        "12: unknown action 'invoce' (did you mean 'invoice'?)",
        "13: date '1st of June' is not a date: write YYYY-MM-DD",
        "15: a step must be a mapping with a date and one action",
    ]


def test_error_codes_must_be_known_and_not_on_expect() -> None:
    assert problems(
        timeline("""\
        - date: 2017-06-01
          enroll: {customer: C1, program: club}
          error: no_such_code
        - date: 2017-06-01
          expect: {outbox: 0}
          error: invalid
        """)
    )[0].startswith("8: unknown error code 'no_such_code' (use one of above_maximum,")
    assert problems(
        timeline("""\
        - date: 2017-06-01
          expect: {outbox: 0}
          error: invalid
        """)
    ) == ["8: an expect step cannot carry error"]


def test_dates_must_never_decrease_even_around_invalid_steps() -> None:
    assert problems(
        timeline("""\
        - date: 2017-06-02
          enroll: {customer: C1, program: club}
        - date: 2017-06-02
          unenroll: {customer: C1}
        - date: 2017-06-01
          bogus: {}
        - date: 2017-06-03
          unenroll: {customer: C1}
        """)
    ) == [
        "10: date 2017-06-01 is before the previous step's 2017-06-02: dates must never decrease",
        (
            "11: unknown action 'bogus' (use one of adjust, campaign, card, change_campaign, "
            "convert_layaway, enroll, expect, invoice, maintenance, mass_enroll, mass_unenroll, "
            "payment, process_awards, program, return, unenroll, void)"
        ),
    ]


def test_action_bodies_are_judged_key_by_key_with_their_input_model() -> None:
    assert problems(
        timeline("""\
        - date: 2017-06-01
          invoice:
            id: I1
            customer: C1
            lines: [{sku: X, qty: 1, price: "10.00", colour: red}]
            redeem: {rewardz: all}
        - date: 2017-06-01
          enroll: {customer: C1, program: club, date: 2017-06-01}
        - date: 2017-06-01
          payment: [1, 2]
        - date: 2017-06-01
          mass_unenroll: {select: {type: retail}, exclude: [C1], everyone: true}
        """)
    ) == [
        "7: missing key 'store'",
        (
            "10: unknown key 'colour' (use one of sku, item_type, product_line, sub_department, "
            "vendor, manufacturer, qty, price, discount)"
        ),
        "11: unknown key 'rewardz' (did you mean 'rewards'?)",
        "13: write the date once, on the step, not in its body",
        "15: the body of 'payment' must be a mapping",
        "17: unknown key 'everyone' (use one of select, exclude, customers, user)",
    ]


def test_program_step_takes_an_id_and_program_setting_names() -> None:
    assert problems(
        timeline("""\
        - date: 2017-06-01
          program: {id: club, status: open, grace_dayz: 3}
        - date: 2017-06-01
          program: {status: closed}
        - date: 2017-06-01
          program:
            id: club
            filters: [{name: all, transaction_type: [sale]}]
        """)
    ) == [
        "7: unknown key 'grace_dayz' (did you mean 'grace_days'?)",
        "9: missing key 'id' (the program to change)",
        "13: unknown key 'transaction_type' (did you mean 'transaction_types'?)",
    ]


def test_values_are_left_for_the_engine_to_judge() -> None:
    assert (
        problems(
            timeline("""\
        - date: 2017-06-01
          invoice: {id: I1, customer: 42, store: main, lines: [{sku: X, qty: -1, price: abc}]}
          error: invalid
        - date: 2017-06-01
          adjust: {customer: NOBODY, points: lots}
          error: invalid
        - date: 2017-06-01
          program: {id: club, status: sleeping, grace_days: -4}
        - date: 2017-06-01
          maintenance:
        """)
        )
        == []
    )


def test_expect_blocks_are_judged_too() -> None:
    assert problems(
        timeline("""\
        - date: 2017-06-01
          expect:
            customers:
              C1:
                pending: many
                pendng: 3
                value: 6.5
                credit_memos: [{amount: "25.00", expires: soon, colour: red}]
                coupons: {amount: "1.00"}
                notes_contain: "250"
            invoices: {I1: {points: 2, totl: "1.00"}}
            journal: {points_liability: -5.00}
            outbox: "1"
            customer: {}
        """)
    ) == [
        "10: pending: write a whole number",
        "11: unknown key 'pendng' for customer C1",
        '12: value: write money as a string, e.g. "25.00"',
        "13: expires: write a date as YYYY-MM-DD, or null/never for none",
        "13: unknown key 'colour' for credit memo",
        "14: write a list of coupons (an empty list is [])",
        "15: notes_contain: write a list of strings",
        "16: unknown key 'totl' for invoice I1",
        '17: points_liability: write money as a string, e.g. "25.00"',
        "18: outbox: write a whole number",
        ("19: unknown expect key 'customer' (use customers, invoices, journal, outbox, messages, "
         "campaigns, explain)"),
    ]


def test_a_key_written_twice_is_a_problem() -> None:
    assert problems(
        timeline("""\
        - date: 2017-06-01
          enroll: {customer: C1, program: club}
          enroll: {customer: C1, program: other}
        """)
    ) == ["8: key 'enroll' is written twice"]


def test_many_problems_are_all_reported_in_line_order() -> None:
    assert problems("""\
        shop: {stores: [{id: 1}], colour: blue}
        programs:
          - {id: p, kind: recurring, effective: 2017-01-01}
        timeline:
          - date: 2017-02-01
            enroll: {customer: C1}
          - date: 2017-01-01
            unenroll: {customer: C1, why: moved}
        extra: 1
        """) == [
        (
            "1: unknown key 'colour' (use one of name, currency, auto_maintenance, "
            "allow_credit_for_gift_cards, programs_per_customer, stores, statuses, reasons, "
            "price_groups, employees, subscribers)"
        ),
        "3: missing key 'name'",
        "6: missing key 'program'",
        "7: date 2017-01-01 is before the previous step's 2017-02-01: dates must never decrease",
        "8: unknown key 'why' (use one of customer, program, user)",
        "9: unknown key 'extra' (use one of shop, programs, customers, timeline, campaigns)",
    ]


def test_yaml_syntax_error_names_its_line() -> None:
    assert problems("shop: {stores: [1, 2}\ntimeline: []\n") == [
        "1: while parsing a flow sequence expected ',' or ']', but got '}'"
    ]


def test_a_date_that_does_not_exist_names_its_line() -> None:
    assert problems(timeline("""\
        - date: 2017-06-01
          enroll: {customer: C1, program: club}
        - date: 2017-13-01
          adjust: {customer: C1, points: 5}
        """)) == ["8: '2017-13-01' is not a date: month must be in 1..12"]


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


def test_an_alias_bomb_is_refused_at_once() -> None:
    """Nine lines that alias their way to 9^9 strings ("billion laughs"): refused before
    anything walks them, at the line where the aliases pass a million values."""
    began = time.process_time()
    assert problems(BOMB) == ["7: aliases expand this to more than 1,000,000 values: refused"]
    assert time.process_time() - began < 1
    assert problems("a: &a [x, y]\nshop: {stores: *a}\nb: *a\n") == [
        "1: unknown key 'a' (use one of shop, programs, customers, timeline, campaigns)",
        "3: unknown key 'b' (use one of shop, programs, customers, timeline, campaigns)",
    ]  # a few aliases are YAML like any other


def test_nesting_beyond_the_stack_is_refused() -> None:
    assert problems("a: " + "[" * 5000 + "]" * 5000 + "\n") == ["1: nested too deeply"]


@pytest.mark.parametrize(("name", "data", "line"), [
    ("date.yaml", timeline("- date: 2017-13-01\n  maintenance: {}\n").encode(), 6),
    ("bomb.yaml", BOMB.encode(), 7),
    ("empty.yaml", b"", 1),
    ("latin1.yaml", HEAD.replace("Ann", "Ren\xe9e").encode("latin-1"), 4),
])
def test_simulate_exits_2_naming_the_file_and_line(
        tmp_path: Path, name: str, data: bytes, line: int) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    out: list[str] = []

    def no_database(day: dt.date) -> Any:
        raise AssertionError("an invalid file never runs")

    assert simulate([str(path)], out=out.append, open_session=no_database) == 2
    assert out[0].startswith(f"{path}:{line}: ")


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "missing.yaml")
    [problem] = info.value.problems
    assert problem.file.endswith("missing.yaml")
    assert problem.message.startswith("cannot read the file")


def test_examples_load() -> None:
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) >= 4
    for path in files:
        scenario = load_scenario(path)  # raises ScenarioError, listing problems, if invalid
        assert scenario.timeline, path
