"""Running one valid scenario against a facade: the set-up, then the days in order.

Day D: the clock moves to D, the maintenance run for D happens first (unless the shop
says `auto_maintenance: false`), then D's steps run in file order. A step carrying
`error: CODE` is a check that the engine refuses it with that code and changes nothing;
any other refusal or exception is a failed check, printed on one line, and the scenario
goes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from typing import Any, Protocol

from patronage.core.errors import PatronageError
from patronage.entrypoints.simulate.actions import ACTIONS, EXPECT, Facade
from patronage.entrypoints.simulate.checks import run_checks
from patronage.entrypoints.simulate.loader import Scenario, Step
from patronage.entrypoints.simulate.report import Report, one_line
from patronage.entrypoints.simulate.source import NodePath


class SettableClock(Protocol):
    def set(self, day: dt.date) -> None: ...


@dataclass(frozen=True)
class Session:
    """A facade on a fresh database, and the clock it reads."""

    app: Facade
    clock: SettableClock


def run_scenario(scenario: Scenario, session: Session, report: Report) -> None:
    """Replay `scenario` on `session`, reporting every check to `report`."""
    _Run(scenario, session, report).run()


_IDENTIFYING = ("id", "invoice", "customer", "program", "add", "deactivate")


def describe(step: Step) -> str:
    """A step's action and what it is about, e.g. "invoice INV-1" or "enroll C1"."""
    for key in _IDENTIFYING:
        value = step.body.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return f"{step.action} {value}"
    return step.action


class _Run:
    def __init__(self, scenario: Scenario, session: Session, report: Report) -> None:
        self.scenario = scenario
        self.app = session.app
        self.clock = session.clock
        self.report = report

    def where(self, path: NodePath) -> str:
        return f"{self.scenario.file}:{self.scenario.line(path)}"

    def run(self) -> None:
        if self.scenario.first_date is not None:
            self.clock.set(self.scenario.first_date)
        self.set_up()
        for day, group in groupby(self.scenario.timeline, key=lambda step: step.date):
            steps = list(group)
            self.clock.set(day)
            if self.scenario.auto_maintenance:
                where = self.where(("timeline", steps[0].index))
                self.guard(where, day, "maintenance", self.app.run_maintenance, {"date": day})
            for step in steps:
                self.guard(self.where(step.path[:-1]), day, describe(step), self.step, step)

    def set_up(self) -> None:
        self.guard(
            self.where(("shop",)), None, "shop", self.app.configure_shop, dict(self.scenario.shop)
        )
        for i, program in enumerate(self.scenario.programs):
            what = f"program {program.get('id')}"
            self.guard(self.where(("programs", i)), None, what, self.app.put_program, dict(program))
        for i, campaign in enumerate(self.scenario.campaigns):  # issue 23 item 3
            what = f"campaign {campaign.get('id')}"
            self.guard(self.where(("campaigns", i)), None, what, ACTIONS["campaign"].perform,
                       self.app, campaign, self.scenario.first_date)
        for i, customer in enumerate(self.scenario.customers):
            what = f"customer {customer.get('id')}"
            self.guard(
                self.where(("customers", i)), None, what, self.app.put_customer, dict(customer)
            )

    def guard(
        self, where: str, day: dt.date | None, what: str, call: Callable[..., object], *args: Any
    ) -> None:
        """Run a call that should succeed: a refusal, or any crash, is one failed line."""
        try:
            call(*args)
        except Exception as exc:  # noqa: BLE001 - the user gets one line, never a traceback
            self.report.fail(where, day, what, one_line(exc))

    # --- steps -----------------------------------------------------------------------------

    def step(self, step: Step) -> None:
        if step.action == EXPECT:
            self.expect(step)
        elif step.error is None:
            ACTIONS[step.action].perform(self.app, step.body, step.date)
        else:
            self.refusal(step, step.error)

    def refusal(self, step: Step, code: str) -> None:
        """A step that must be refused with `code` and leave everything as it was."""
        where, what = self.where(step.path[:-1]), describe(step)
        before = self.state(step.date)
        try:
            ACTIONS[step.action].perform(self.app, step.body, step.date)
        except PatronageError as exc:
            if exc.code != code:
                self.report.fail(
                    where, step.date, what, f"expected error {code}, got {one_line(exc)}"
                )
                return
            after = self.state(step.date)
            changed = [key for key, value in after.items() if before.get(key) != value]
            if changed:
                difference = f"refused with {code}, but it changed {', '.join(changed)}"
                self.report.fail(where, step.date, what, difference)
            else:
                self.report.ok(where, step.date, f"{what} refused with {code}")
        else:
            self.report.fail(where, step.date, what, f"expected error {code}, but it was accepted")

    def state(self, day: dt.date) -> dict[str, object]:
        """What a refused step must leave alone: the journal, the outbox, each customer."""
        state: dict[str, object] = {
            "journal": self.app.journal_balances(),
            "outbox": self.app.outbox_count(),
        }
        for customer in self.scenario.customers:
            cid = str(customer.get("id"))
            try:
                state[f"customer {cid}"] = self.app.customer(cid, as_of=day)
            except PatronageError as exc:  # e.g. its set-up failed: unreadable is a state too
                state[f"customer {cid}"] = exc.code
        return state

    def expect(self, step: Step) -> None:
        for check in run_checks(self.app, step.body, step.date):
            where = self.where(step.path + check.path)
            if check.difference is None:
                self.report.ok(where, step.date, f"{check.subject} {check.shown}")
            else:
                self.report.fail(where, step.date, check.subject, check.difference)
