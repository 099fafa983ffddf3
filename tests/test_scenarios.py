"""Every scenario file runs as a test: the spec's examples and our own, one per rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from patronage.entrypoints.simulate import simulate

HERE = Path(__file__).parent
EXAMPLES = sorted((HERE.parent.parent / "shared" / "spec" / "examples").glob("*.yaml"))
OURS = sorted((HERE / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES + OURS, ids=lambda p: p.name)
def test_scenario(path: Path) -> None:
    lines: list[str] = []
    code = simulate([str(path)], None, out=lines.append)
    failures = [line for line in lines if not line.startswith("ok")]
    assert code == 0, "\n".join(failures)
