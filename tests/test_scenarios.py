"""Every scenario file runs as a test, on SQLite and (when configured) on PostgreSQL:
the spec's examples and our own, one or more per rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from patronage.entrypoints.simulate import simulate

HERE = Path(__file__).parent
EXAMPLES = sorted((HERE.parent.parent / "shared" / "spec" / "examples").glob("*.yaml"))
OURS = sorted((HERE / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES + OURS, ids=lambda p: p.name)
def test_scenario(path: Path, server_url: str | None) -> None:
    """`simulate` makes its own fresh database: in-memory SQLite or a temporary schema."""
    lines: list[str] = []
    code = simulate([str(path)], server_url, out=lines.append)
    failures = [line for line in lines if not line.startswith("ok")]
    assert code == 0, "\n".join(failures)
