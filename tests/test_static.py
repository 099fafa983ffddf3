"""The code as the type checker and the linter see it: both pinned in pyproject.toml, both
must be clean, so a type error or a lint fault fails the suite like any other defect."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_mypy_finds_no_type_errors_in_src(tmp_path: Path) -> None:
    done = run("mypy", "--cache-dir", str(tmp_path / "mypy"), "src")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_finds_no_faults() -> None:
    done = run("ruff", "check", "src", "tests")
    assert done.returncode == 0, done.stdout + done.stderr


# Service modules still reading storage through SQLAlchemy or the adapters themselves
# (issue 20 item 2: service/ sees storage through `tx.repo`'s methods, service/ports.py).
# The list may only shrink: a module that stops importing them leaves it, and a new one
# that imports them fails this test.
STORAGE_IMPORTS_LEFT = {"app", "bulk", "uow"}


def imports_storage(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if any(n == "sqlalchemy" or n.startswith(("sqlalchemy.", "patronage.adapters"))
               for n in names):
            return True
    return False


def test_service_modules_reach_storage_only_through_the_repository() -> None:
    service = ROOT / "src" / "patronage" / "service"
    found = {p.stem for p in service.glob("*.py") if imports_storage(p)}
    assert found == STORAGE_IMPORTS_LEFT, (
        f"new: {sorted(found - STORAGE_IMPORTS_LEFT)} (use tx.repo's methods, "
        f"adapters/db/service_queries.py); no longer: {sorted(STORAGE_IMPORTS_LEFT - found)} "
        "(take it off STORAGE_IMPORTS_LEFT)")


def test_core_imports_only_the_standard_library_and_core() -> None:
    """core/ holds the rules as pure functions: never the database, the web or the CLI
    (docs/rules.md, "The layers")."""
    core = ROOT / "src" / "patronage" / "core"
    outside = []
    for path in sorted(core.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                     else [])
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and not name.startswith("patronage.core"):
                    outside.append(f"{path.name}: {name}")
    assert outside == []
