"""`python -m patronage` is the `patronage` command."""

from __future__ import annotations

import subprocess
import sys


def test_python_m_patronage_runs_the_cli(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'p.db'}"
    done = subprocess.run([sys.executable, "-m", "patronage", "balance", "NOPE",
                           "--database", url], check=False, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stderr
    assert "not_found" in done.stdout + done.stderr
