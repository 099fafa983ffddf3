"""bench/http.py, the HTTP benchmark of issue 20, run for two one-second turns a side.

It must run end to end on each database (shop, servers, wrk) and print every figure: each
side's rate and latency in every run and at the median, every ratio, the machine and the
commit. The figures themselves are not judged here (the machine is shared); only that
each rate is a real rate and that no request failed.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SIDES = {"post": ("patronage", "bare"), "balance": ("patronage", "bare"),
         "quote": ("patronage", "bare"), "lots": ("one_lot", "many_lots")}
RATIOS = {"post": "ratio", "balance": "ratio", "quote": "ratio", "lots": "slowdown"}
FIGURES = ("rps", "p50_ms", "p99_ms", "cpu_ms", "errors")


def wrk_or_skip() -> None:
    if shutil.which("wrk") is None:
        subprocess.run([str(REPO / "scripts" / "install-bench-tools")], check=False,
                       capture_output=True, timeout=600)
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed and scripts/install-bench-tools could not install it")


def check_side(figures: dict[str, float], where: str) -> None:
    assert set(FIGURES) <= set(figures), where
    assert figures["rps"] > 0 and figures["cpu_ms"] > 0, where
    assert 0 < figures["p50_ms"] <= figures["p99_ms"], where
    assert figures["errors"] == 0, where


def test_bench_http_prints_every_figure(backend: str, server_url: str | None) -> None:
    wrk_or_skip()
    args = [sys.executable, str(REPO / "bench" / "http.py"), "--database", backend,
            "--seconds", "2", "--slice", "1", "--runs", "2", "--warmup", "1", "--customers", "50",
            "--lots", "200"]
    if server_url:
        args += ["--postgres-url", server_url]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr[-5000:]
    out = json.loads(done.stdout)

    assert out["database"] == backend
    assert out["commit"] and out["machine"]["nproc"] >= 1 and out["machine"]["python"]
    assert out["settings"]["connections"] == 8 and out["settings"]["runs"] == 2
    assert out["errors"] == 0
    for name, sides in SIDES.items():
        result = out["results"][name]
        assert len(result["runs"]) == 2
        for run in result["runs"]:
            for side in sides:
                check_side(run[side], f"{name} {side}")
                assert run[side]["requests"] > 0
            assert run[RATIOS[name]] > 0 and run[f"cpu_{RATIOS[name]}"] > 0
            assert run[sides[0]]["seconds"] >= 1.5  # two slices of a second each
        for side in sides:
            check_side(result[side], f"{name} {side} median")
            assert result[side]["rps"] == pytest.approx(
                statistics.median(run[side]["rps"] for run in result["runs"]), abs=0.01)
        ratio = result[RATIOS[name]]
        assert ratio > 0 and isinstance(result["met"], bool) and result["target"] > 0
        key = name if name != "lots" else "lots_slowdown"
        assert out["ratios"][key] == ratio
        assert out["cpu_ratios"][key] == result[f"cpu_{RATIOS[name]}"] > 0
