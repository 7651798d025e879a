"""`harness list`: every declared method, bench and metric with its track; a repeated listing reads
its cached rows and imports no torch (issue 16: at most 2 s)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from harness.bench import BENCHES
from metrics import METRICS
from methods import METHODS

REPO = Path(__file__).resolve().parent.parent
CODE = "import sys; from harness.cli import main; code = main(['list']); print('TORCH', 'torch' in sys.modules); sys.exit(code)"


def _list(cache: Path) -> tuple[str, bool]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HARNESS_CACHE": str(cache)}
    out = subprocess.run([sys.executable, "-c", CODE], cwd=REPO, env=env, capture_output=True, text=True, check=True).stdout
    body, _, flag = out.rpartition("TORCH ")
    return body, flag.strip() == "True"


def test_listing_names_everything_and_a_repeat_imports_no_torch(tmp_path: Path) -> None:
    first, first_torch = _list(tmp_path)
    again, again_torch = _list(tmp_path)
    assert first == again and first_torch and not again_torch
    names = {line.split()[0] for line in first.splitlines() if line and not line.endswith(":") and not line.startswith(("name", "-"))}
    assert {*METHODS.names(), *BENCHES.names(), *METRICS.names()} <= names
    clora = next(line for line in first.splitlines() if line.startswith("clora "))
    assert "t2i" in clora and "C-LoRA" in clora


def test_the_cli_sets_a_short_openmp_spin_before_torch_loads() -> None:
    code = "import os, sys; import harness.cli; print('torch' in sys.modules, os.environ['OMP_WAIT_POLICY'], os.environ['GOMP_SPINCOUNT'])"
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**env, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "PASSIVE", "30000"]
