"""Loading a scenario file: its structure is judged here, its values by the engine.

Every structure problem (unknown or missing keys, an unknown action, a step without a
date, dates going backwards, a duplicated key; an empty file) is collected with its line, and all of
them are reported together in a `ScenarioError`. Values inside bodies (a price that is
not a number, an unknown customer) are left for the engine to refuse when the step runs,
as it would refuse them from a POS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from patronage.core.errors import CODES
from patronage.entrypoints.simulate.actions import ACTIONS, EXPECT, STEP_NAMES
from patronage.entrypoints.simulate.expect import expect_problems
from patronage.entrypoints.simulate.source import (
    Lines,
    NodePath,
    YamlSyntaxError,
    decode,
    read_yaml,
)
from patronage.service.campaigns import CampaignIn
from patronage.service.inputs import CustomerIn, ProgramIn, ShopIn

TOP_KEYS = ("shop", "programs", "customers", "timeline")
ADDED_KEYS = ("campaigns",)  # docs/scenarios.md: issue 23 item 3
_STRUCTURE_ERRORS = {"extra_forbidden", "missing"}
# Fills ProgramIn's required fields so that a setting change can be judged key by key.
_PROGRAM_STAND_IN = {"id": "-", "name": "-", "kind": "recurring", "effective": dt.date(2000, 1, 1)}


@dataclass(frozen=True)
class ScenarioProblem:
    """One structure problem, printed as `file:line: message`."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ScenarioError(Exception):
    """A file that cannot be run; `problems` lists all that is wrong with it, by line."""

    def __init__(self, problems: list[ScenarioProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Step:
    """One dated step of the timeline: an action (or `expect`) and its body."""

    index: int
    line: int
    date: dt.date
    action: str
    body: Mapping[str, Any]
    error: str | None = None

    @property
    def path(self) -> NodePath:
        """The path of the body in the file, for the lines of what it contains."""
        return ("timeline", self.index, self.action)


@dataclass(frozen=True)
class Scenario:
    """A valid scenario: set-up sections as plain mappings, and the dated steps."""

    file: str
    shop: Mapping[str, Any]
    programs: list[Mapping[str, Any]]
    customers: list[Mapping[str, Any]]
    timeline: list[Step]
    lines: Lines
    campaigns: tuple[Mapping[str, Any], ...] = ()  # issue 23 item 3

    @property
    def auto_maintenance(self) -> bool:
        return bool(self.shop.get("auto_maintenance", True))

    @property
    def first_date(self) -> dt.date | None:
        return self.timeline[0].date if self.timeline else None

    def line(self, path: NodePath) -> int:
        return self.lines.at(path)


def load_scenario(path: str | Path) -> Scenario:
    """Read and judge one scenario file; raise ScenarioError listing every problem."""
    name = str(path)
    try:
        text = decode(Path(path).read_bytes())
    except OSError as exc:
        raise ScenarioError([ScenarioProblem(name, 1, f"cannot read the file: {exc}")]) from None
    except YamlSyntaxError as exc:
        raise ScenarioError([ScenarioProblem(name, exc.line, exc.message)]) from None
    return parse_scenario(text, name)


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Judge a scenario's text; raise ScenarioError listing every problem with its line."""
    try:
        document = read_yaml(text)
    except YamlSyntaxError as exc:
        raise ScenarioError([ScenarioProblem(file, exc.line, exc.message)]) from None
    if document.data is None:
        raise ScenarioError([ScenarioProblem(file, 1, "the file is empty: a scenario has "
                                             f"{', '.join(TOP_KEYS)}")])
    judge = _Judge(document.lines)
    for path in document.duplicates:
        judge.problem(path, f"key {path[-1]!r} is written twice")
    scenario = judge.scenario(document.data, file)
    if found := judge.found:
        problems = [ScenarioProblem(file, document.lines.at(p), m) for p, m in found]
        problems.sort(key=lambda p: p.line)  # stable: same-line problems keep their order
        raise ScenarioError(problems)
    return scenario


class _Judge:
    """Collects (path, message) problems while reading the document's sections."""

    def __init__(self, lines: Lines) -> None:
        self.lines = lines
        self.found: list[tuple[NodePath, str]] = []

    def problem(self, path: NodePath, message: str) -> None:
        self.found.append((path, message))

    def scenario(self, data: Any, file: str) -> Scenario:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            self.problem((), f"a scenario is a mapping with keys {', '.join(TOP_KEYS)}")
            data = {}
        for key in data:
            if key not in TOP_KEYS + ADDED_KEYS:
                self.problem((key,), f"unknown key {key!r}{_hint(key, TOP_KEYS + ADDED_KEYS)}")
        return Scenario(
            file=file,
            shop=self.shop(data.get("shop")),
            programs=self.records(data.get("programs"), "programs", ProgramIn),
            customers=self.records(data.get("customers"), "customers", CustomerIn),
            timeline=self.timeline(data.get("timeline")),
            lines=self.lines,
            campaigns=tuple(self.records(data.get("campaigns"), "campaigns", CampaignIn)),
        )

    # --- set-up sections ---------------------------------------------------------------

    def shop(self, raw: Any) -> Mapping[str, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            self.problem(("shop",), "shop must be a mapping")
            return {}
        self.model(ShopIn, raw, ("shop",))
        if not isinstance(raw.get("auto_maintenance", True), bool):
            self.problem(("shop", "auto_maintenance"), "auto_maintenance must be true or false")
        return raw

    def records(self, raw: Any, section: str, model: type[BaseModel]) -> list[Mapping[str, Any]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem((section,), f"{section} must be a list")
            return []
        for i, item in enumerate(raw):
            if isinstance(item, Mapping):
                self.model(model, item, (section, i))
            else:
                self.problem((section, i), f"each of {section} must be a mapping")
        return [item for item in raw if isinstance(item, Mapping)]

    def model(self, model: type[BaseModel], body: Any, path: NodePath) -> None:
        """Report the unknown and missing keys `model` finds in `body`; values are not judged."""
        for loc, message in _key_problems(model, body):
            self.problem(path + loc, message)

    # --- timeline ----------------------------------------------------------------------

    def timeline(self, raw: Any) -> list[Step]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(("timeline",), "timeline must be a list of steps")
            return []
        steps: list[Step] = []
        latest: dt.date | None = None
        for i, item in enumerate(raw):
            day, step = self.step(item, i)
            if day is not None and latest is not None and day < latest:
                self.problem(
                    ("timeline", i, "date"),
                    f"date {day} is before the previous step's {latest}: dates must never decrease",
                )
            if day is not None and (latest is None or day > latest):
                latest = day
            if step is not None:
                steps.append(step)
        return steps

    def step(self, raw: Any, i: int) -> tuple[dt.date | None, Step | None]:
        """The step's date (for the order check) and the step, None when it is invalid."""
        path: NodePath = ("timeline", i)
        if not isinstance(raw, Mapping):
            self.problem(path, "a step must be a mapping with a date and one action")
            return None, None
        day = self.step_date(raw, path)
        error = self.step_error(raw, path)
        actions = [key for key in raw if key not in ("date", "error")]
        unknown = [key for key in actions if key not in STEP_NAMES]
        for key in unknown:
            self.problem(path + (key,),  # every action listed, however many
                         f"unknown action {key!r}{_hint(key, _NAMES, len(_NAMES))}")
        known = [key for key in actions if key in STEP_NAMES]
        if not actions:
            self.problem(path, f"step has no action (use one of {', '.join(_NAMES)})")
        if len(known) > 1:
            self.problem(path + (known[1],), f"step has more than one action: {', '.join(known)}")
        if len(known) != 1 or unknown:
            return day, None
        action = known[0]
        body = self.step_body(action, raw[action], path + (action,))
        if action == EXPECT and error is not None:
            self.problem(path + ("error",), "an expect step cannot carry error")
        if day is None or body is None:
            return day, None
        return day, Step(i, self.lines.at(path), day, action, body, error)

    def step_date(self, raw: Mapping[str, Any], path: NodePath) -> dt.date | None:
        if "date" not in raw:
            self.problem(path, "step has no date")
            return None
        day = raw["date"]
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            self.problem(path + ("date",), f"date {day!r} is not a date: write YYYY-MM-DD")
            return None
        return day

    def step_error(self, raw: Mapping[str, Any], path: NodePath) -> str | None:
        error = raw.get("error")
        if "error" in raw and error not in CODES:
            codes = ", ".join(sorted(CODES))
            self.problem(path + ("error",), f"unknown error code {error!r} (use one of {codes})")
        return error if isinstance(error, str) else None

    def step_body(self, action: str, raw: Any, path: NodePath) -> Mapping[str, Any] | None:
        if raw is None:
            raw = {}
        if action == EXPECT:
            for loc, message in expect_problems(raw):
                self.problem(path + loc, message)
            return raw if isinstance(raw, Mapping) else None
        if not isinstance(raw, Mapping):
            self.problem(path, f"the body of {action!r} must be a mapping")
            return None
        if "date" in raw:
            self.problem(path + ("date",), "write the date once, on the step, not in its body")
        model = ACTIONS[action].model
        if model is None:
            self.program_change(raw, path)
        else:
            self.model(model, {k: v for k, v in raw.items() if k != "date"}, path)
        return raw

    def program_change(self, raw: Mapping[str, Any], path: NodePath) -> None:
        """`program: {id, setting: value...}`: an id and ProgramIn's own setting names."""
        if "id" not in raw:
            self.problem(path, "missing key 'id' (the program to change)")
        written = set(raw)
        for loc, message in _key_problems(ProgramIn, {**_PROGRAM_STAND_IN, **raw}):
            if loc and loc[0] in written:
                self.problem(path + loc, message)


_NAMES = sorted(STEP_NAMES)


def _key_problems(model: type[BaseModel], body: Any) -> list[tuple[NodePath, str]]:
    """The unknown and missing keys pydantic finds; every other error is a value error."""
    try:
        model.model_validate(body)
    except ValidationError as exc:
        return [
            (tuple(err["loc"]), _key_message(model, err["type"], tuple(err["loc"])))
            for err in exc.errors()
            if err["type"] in _STRUCTURE_ERRORS and err["loc"]
        ]
    return []


def _key_message(model: type[BaseModel], kind: str, loc: NodePath) -> str:
    key = loc[-1]
    if kind == "missing":
        return f"missing key {key!r}"
    owner = _model_at(model, loc[:-1])
    # `date` is never suggested: in a scenario the step carries it, not the body.
    names = [name for name in owner.model_fields if name != "date"] if owner else []
    return f"unknown key {key!r}" + (_hint(key, names) if names else "")


def _hint(key: Any, names: Sequence[str], most: int = 16) -> str:
    """A closest name when one is near (a typo), else the names allowed if they are few
    (at most `most`)."""
    close = get_close_matches(str(key), names, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (use one of {', '.join(names)})" if len(names) <= most else ""


def _model_at(model: type[BaseModel], loc: NodePath) -> type[BaseModel] | None:
    """The nested model that a pydantic error location points into, if one can be found."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None or isinstance(part, int):
            continue  # a list index keeps the item's model
        field = current.model_fields.get(str(part))
        current = _find_model(field.annotation) if field else None
    return current


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _find_model(arg)
        if found is not None:
            return found
    return None
