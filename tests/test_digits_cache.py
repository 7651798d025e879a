"""The embedded digits split: cached after the first load, equal to scikit-learn's, and a warm
start imports no scikit-learn."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

from benchmarks.data.digits import _split, load_sklearn_digits
from core.cache import cache_root

REPO = Path(__file__).resolve().parent.parent


def _equal(a, b) -> bool:
    return all(torch.equal(getattr(a, name), getattr(b, name)) for name in ("train_x", "train_y", "test_x", "test_y"))


def test_cached_split_equals_scikit_learns_and_survives_a_corrupt_file():
    first = load_sklearn_digits(split_seed=3)
    reference = _split(3, 0.25)
    assert torch.equal(first.train_x, torch.from_numpy(reference["train_x"]).unsqueeze(1))
    assert torch.equal(first.test_y, torch.from_numpy(reference["test_y"]))
    assert first.train_x.dtype == torch.float32 and first.train_y.dtype == torch.int64
    [cached] = (cache_root() / "data").glob("sklearn-digits-*-seed3-*.safetensors")
    assert _equal(load_sklearn_digits(split_seed=3), first)
    cached.write_bytes(b"not a safetensors file")
    assert _equal(load_sklearn_digits(split_seed=3), first)
    assert not _equal(load_sklearn_digits(split_seed=4), first)


def test_a_warm_start_imports_no_scikit_learn():
    load_sklearn_digits(split_seed=0)
    code = "import sys; from benchmarks.data.digits import load_sklearn_digits; load_sklearn_digits(split_seed=0); print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
