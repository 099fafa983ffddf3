"""The runner: set-up, day order, how each step maps to a facade call, refusals."""

from __future__ import annotations

import datetime as dt
import textwrap

from patronage.entrypoints.simulate import parse_scenario, run_scenario
from patronage.entrypoints.simulate.report import Report
from patronage.entrypoints.simulate.runner import Session
from patronage.service.clock import FixedClock

from .fakes import FakeFacade, customer_view, refusal

D1, D2, D3 = dt.date(2017, 6, 1), dt.date(2017, 6, 2), dt.date(2017, 6, 3)


def run(text: str, fake: FakeFacade | None = None) -> tuple[FakeFacade, list[str], Report]:
    """Run a scenario on a fake; the lines printed and the tally."""
    scenario = parse_scenario(textwrap.dedent(text), "s.yaml")
    clock = FixedClock(dt.date(1999, 1, 1))
    fake = fake or FakeFacade(clock)
    fake.clock = clock
    lines: list[str] = []
    report = Report(lines.append)
    run_scenario(scenario, Session(fake, clock), report)
    return fake, lines, report


def test_set_up_then_maintenance_at_the_start_of_each_day_then_steps_in_file_order() -> None:
    fake, lines, report = run("""\
        shop: {stores: [{id: 1}]}
        programs:
          - {id: club, name: Club, kind: recurring, status: open, effective: 2017-01-01}
          - {id: gold, name: Gold, kind: program_end, effective: 2017-01-01}
        customers: [{id: C1}, {id: C2, name: Bo}]
        timeline:
          - date: 2017-06-01
            enroll: {customer: C1, program: club}
          - date: 2017-06-01
            unenroll: {customer: C2}
          - date: 2017-06-03
            enroll: {customer: C2, program: gold, close_current: true}
        """)
    assert fake.calls == [
        (D1, "configure_shop", {"stores": [{"id": 1}]}),
        (
            D1,
            "put_program",
            {
                "id": "club",
                "name": "Club",
                "kind": "recurring",
                "status": "open",
                "effective": dt.date(2017, 1, 1),
            },
        ),
        (
            D1,
            "put_program",
            {"id": "gold", "name": "Gold", "kind": "program_end", "effective": dt.date(2017, 1, 1)},
        ),
        (D1, "put_customer", {"id": "C1"}),
        (D1, "put_customer", {"id": "C2", "name": "Bo"}),
        (D1, "run_maintenance", {"date": D1}),
        (D1, "enroll", {"customer": "C1", "program": "club", "date": D1}),
        (D1, "unenroll", {"customer": "C2", "date": D1}),
        (D3, "run_maintenance", {"date": D3}),
        (D3, "enroll", {"customer": "C2", "program": "gold", "close_current": True, "date": D3}),
    ]
    assert lines == [] and (report.passed, report.failed) == (0, 0)


def test_without_auto_maintenance_only_the_maintenance_steps_run_it() -> None:
    fake, _, _ = run("""\
        shop: {auto_maintenance: false}
        timeline:
          - date: 2017-06-01
            unenroll: {customer: C1}
          - date: 2017-06-02
            maintenance: {user: ann, store: 2}
        """)
    assert fake.calls == [
        (D1, "configure_shop", {"auto_maintenance": False}),
        (D1, "unenroll", {"customer": "C1", "date": D1}),
        (D2, "run_maintenance", {"user": "ann", "store": 2, "date": D2}),
    ]


def test_every_action_maps_to_its_facade_call_with_the_date_where_the_model_has_one() -> None:
    fake, lines, _ = run("""\
        shop: {auto_maintenance: false}
        timeline:
          - {date: 2017-06-01, enroll: {customer: C1, program: club}}
          - {date: 2017-06-01, unenroll: {customer: C1}}
          - {date: 2017-06-01, mass_enroll: {program: club, select: {enrolled: no}}}
          - {date: 2017-06-01, mass_unenroll: {exclude: [C1]}}
          - {date: 2017-06-01, card: {customer: C1, add: "123"}}
          - {date: 2017-06-01, invoice: {id: I1, store: 1}}
          - {date: 2017-06-01, payment: {id: P1, invoice: I1, store: 1, tender: cash, amount: "1.00"}}
          - {date: 2017-06-01, return: {id: R1, store: 1, lines: [{sku: X, qty: 1}]}}
          - {date: 2017-06-01, void: {invoice: I1}}
          - {date: 2017-06-01, convert_layaway: {invoice: I1}}
          - {date: 2017-06-01, adjust: {customer: C1, points: -20}}
          - {date: 2017-06-01, maintenance: {user: ann}}
          - {date: 2017-06-01, process_awards: {program: club, exclude: [C2]}}
          - {date: 2017-06-01, program: {id: club, status: closed, grace_days: 5}}
        """)
    assert lines == []
    assert fake.writes()[1:] == [
        "enroll",
        "unenroll",
        "mass_enroll",
        "mass_unenroll",
        "card",
        "post_invoice",
        "post_payment",
        "post_return",
        "void_invoice",
        "convert_layaway",
        "adjust",
        "run_maintenance",
        "process_awards",
        "change_program",
    ]
    assert fake.calls[5] == (D1, "card", {"customer": "C1", "add": "123", "date": D1})
    assert fake.calls[13] == (
        D1,
        "process_awards",
        {"program": "club", "exclude": ["C2"], "date": D1},
    )
    # a program change names its program and passes the rest, undated
    assert fake.calls[-1] == (D1, "change_program", "club", {"status": "closed", "grace_days": 5})
    assert all(call[-1]["date"] == D1 for call in fake.calls[1:-1])


ERROR_STEP = """\
    shop: {auto_maintenance: false}
    customers: [{id: C1}]
    timeline:
      - date: 2017-06-02
        adjust: {customer: C1, points: -500}
        error: insufficient_points
      - date: 2017-06-02
        expect: {outbox: 0}
    """


def test_error_step_refused_with_its_code_holds() -> None:
    fake = FakeFacade(FixedClock(D1))
    fake.customers["C1"] = customer_view()
    fake.refusals["adjust"] = refusal("insufficient_points", "only 20 points")
    _, lines, report = run(ERROR_STEP, fake)
    assert lines == [
        "ok   s.yaml:4 2017-06-02 adjust C1 refused with insufficient_points",
        "ok   s.yaml:8 2017-06-02 outbox 0",
    ]
    assert (report.passed, report.failed) == (2, 0)


def test_error_step_refused_with_another_code_fails() -> None:
    fake = FakeFacade(FixedClock(D1))
    fake.refusals["adjust"] = refusal("not_enrolled", "C1 has no program")
    _, lines, report = run(ERROR_STEP, fake)
    assert lines[0] == (
        "FAIL s.yaml:4 2017-06-02 adjust C1: expected error insufficient_points, "
        "got not_enrolled: C1 has no program"
    )
    assert report.failed == 1


def test_error_step_that_is_accepted_fails() -> None:
    _, lines, report = run(ERROR_STEP)
    assert lines[0] == (
        "FAIL s.yaml:4 2017-06-02 adjust C1: expected error insufficient_points, but it was accepted"
    )
    assert (report.passed, report.failed) == (1, 1)


def test_error_step_that_changes_something_anyway_fails() -> None:
    fake = FakeFacade(FixedClock(D1))
    fake.customers["C1"] = customer_view()
    fake.refusals["adjust"] = refusal("insufficient_points")
    fake.change_on_refusal = True
    _, lines, _ = run(ERROR_STEP, fake)
    assert lines == [
        "FAIL s.yaml:4 2017-06-02 adjust C1: refused with insufficient_points, but it changed outbox",
        "FAIL s.yaml:8 2017-06-02 outbox: expected 0, got 1",
    ]


def test_unexpected_refusal_and_crash_are_one_line_failures_and_the_scenario_goes_on() -> None:
    fake = FakeFacade(FixedClock(D1))
    fake.refusals["post_invoice"] = refusal("not_found", "unknown customer 'C9'")
    fake.refusals["void_invoice"] = RuntimeError("database is locked\nTraceback (most recent call)")
    _, lines, report = run(
        """\
        timeline:
          - date: 2017-06-01
            invoice: {id: I1, customer: C9, store: 1}
          - date: 2017-06-02
            void: {invoice: I1}
          - date: 2017-06-02
            expect: {outbox: 0}
        """,
        fake,
    )
    assert lines == [
        "FAIL s.yaml:2 2017-06-01 invoice I1: not_found: unknown customer 'C9'",
        "FAIL s.yaml:4 2017-06-02 void I1: RuntimeError: database is locked",
        "ok   s.yaml:7 2017-06-02 outbox 0",
    ]
    assert (report.passed, report.failed) == (1, 2)


def test_failed_set_up_and_maintenance_are_reported_with_their_lines() -> None:
    fake = FakeFacade(FixedClock(D1))
    fake.refusals["put_program"] = refusal("invalid_program", "no multiplier")
    fake.refusals["run_maintenance"] = KeyError("lot")
    _, lines, _ = run(
        """\
        programs:
          - {id: club, name: Club, kind: recurring, effective: 2017-01-01}
        timeline:
          - date: 2017-06-01
            unenroll: {customer: C1}
        """,
        fake,
    )
    assert lines == [
        "FAIL s.yaml:2 program club: invalid_program: no multiplier",
        "FAIL s.yaml:4 2017-06-01 maintenance: KeyError: 'lot'",
    ]
    assert fake.writes()[-1] == "unenroll"  # the day still runs
