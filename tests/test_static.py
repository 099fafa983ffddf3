"""The code as the type checker and the linter see it: both pinned in pyproject.toml, both
must be clean, so a type error or a lint fault fails the suite like any other defect."""

from __future__ import annotations

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
