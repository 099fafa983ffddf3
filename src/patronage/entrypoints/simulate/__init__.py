"""`patronage simulate FILE...`: replay dated scenario files on fresh databases.

This module owns the command itself: every file is judged first (all structure problems
printed as `file:line: message`), each valid file then runs on its own fresh database, and
the exit code says how it went: 0 every check held, 1 a check failed, 2 a file is invalid.
The CLI only calls `simulate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from functools import partial

from patronage.entrypoints.simulate.loader import (
    Scenario,
    ScenarioError,
    ScenarioProblem,
    load_scenario,
    parse_scenario,
)
from patronage.entrypoints.simulate.report import Out, Report, one_line
from patronage.entrypoints.simulate.runner import Session, run_scenario

SessionOpener = Callable[[dt.date], AbstractContextManager[Session]]
"""Opens a facade on a fresh database whose clock starts on the given day."""

__all__ = [
    "Scenario",
    "ScenarioError",
    "ScenarioProblem",
    "Session",
    "SessionOpener",
    "load_scenario",
    "parse_scenario",
    "run_scenario",
    "simulate",
]


def simulate(
    paths: Sequence[str],
    database_url: str | None = None,
    out: Out = print,
    *,
    open_session: SessionOpener | None = None,
    today: Callable[[], dt.date] = dt.date.today,
) -> int:
    """Run scenario files and print one line per check and a summary; return the exit code.

    `open_session` replaces the real facade (tests pass a fake); `today` is the first day
    of a scenario that has no timeline.
    """
    if open_session is None:
        from patronage.entrypoints.simulate.database import patronage_session

        open_session = partial(patronage_session, database_url=database_url)
    scenarios: list[Scenario] = []
    invalid = False
    for path in paths:
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as exc:
            invalid = True
            for problem in exc.problems:
                out(str(problem))
    report = Report(out)
    for scenario in scenarios:
        try:
            with open_session(scenario.first_date or today()) as session:
                run_scenario(scenario, session, report)
        except Exception as exc:  # noqa: BLE001 - e.g. no database: one line, next file
            report.fail(scenario.file, None, "database", one_line(exc))
    out(report.summary())
    if invalid:
        return 2
    return 1 if report.failed else 0
