"""The ports hold (issue 20 item 2): service/ports.py's `EnrollmentBooks` names every
`tx.repo` method its handlers call, and the database repository and the test fake both
have each of them with the same parameters, so the port drifts from neither."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import pytest

from patronage.adapters.db.repository import Repository
from patronage.service.ports import EnrollmentBooks
from tests.fakes import FakeBooks

SERVICE = Path(__file__).resolve().parents[1] / "src" / "patronage" / "service"

# The functions the port serves (service/ports.py's docstring): module -> functions, all
# of the module when None. awards.grant (W1) and E3's mass commands are outside it.
SERVED: dict[str, set[str] | None] = {
    "adjustments": None,
    "enrollment": {"need_customer", "need_program", "enroll_one", "close", "enroll",
                   "unenroll", "card", "find_by_card"},
    "ledger": None,
    "memberships": {"many", "enrollments_for", "named_enrollment"},
    "awards": {"check_recurring"},
    "queries": {"balance"},
    "tiers": {"held"},
}


def port_methods(port: type) -> list[str]:
    return sorted(n for n, v in vars(port).items() if callable(v) and not n.startswith("_"))


def repo_calls(module: str, functions: set[str] | None) -> set[str]:
    """The `tx.repo.<name>` attributes read inside the functions of a service module."""
    tree = ast.parse((SERVICE / f"{module}.py").read_text())
    found: set[str] = set()
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef) and (functions is None or fn.name in functions):
            for node in ast.walk(fn):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) \
                        and node.value.attr == "repo":
                    found.add(node.attr)
    return found


def params(fn: Any) -> list[tuple[str, Any, bool]]:
    """(name, kind, has a default) of each parameter but `self`."""
    return [(p.name, p.kind, p.default is not p.empty)
            for p in inspect.signature(fn).parameters.values() if p.name != "self"]


def test_the_port_names_every_repository_call_of_its_handlers() -> None:
    calls = set().union(*(repo_calls(m, f) for m, f in SERVED.items()))
    named = set(port_methods(EnrollmentBooks))
    assert calls - named == set()
    assert named - calls == set()  # and nothing they do not call


@pytest.mark.parametrize("concrete", [Repository, FakeBooks])
def test_the_adapters_have_the_port_methods_with_its_parameters(concrete: type) -> None:
    for name in port_methods(EnrollmentBooks):
        method = getattr(concrete, name, None)
        assert callable(method), f"{concrete.__name__} lacks {name}"
        want, have = params(getattr(EnrollmentBooks, name)), params(method)
        assert have[:len(want)] == want, (concrete.__name__, name, have)
        assert all(default for _, _, default in have[len(want):]), (concrete.__name__, name)


def test_the_type_checker_takes_both_for_the_port() -> None:
    """Structural types too: `MYPYPATH=src mypy tests/test_ports.py` checks these two
    assignments (without MYPYPATH, mypy reads the installed package as untyped)."""
    books: EnrollmentBooks = FakeBooks()
    assert isinstance(books, FakeBooks)
    as_port: type[EnrollmentBooks] = Repository
    assert as_port is Repository
