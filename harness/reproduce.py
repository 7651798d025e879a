"""Rerun a record's exact configuration in a scratch folder and compare every score matrix.

Same bench (its spec hash must match), method, full hparams, profile and seed; on a CPU record
the same number of torch threads. On the same device (the record's device string, which names
the CPU and its thread count or the GPU, and the same torch version) every cell must be equal;
across devices each metric has its own tolerance, |new - old| <= abs + rel * |old|.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch

from core.errors import UsageError
from harness.environment import describe, pick_device
from harness.record import read_record
from harness.runner import RunSpec, execute, prepare

# Cross-device tolerances (abs, rel). Assumed, not measured: sampling noise from another
# device's float order is taken to move a 2-class accuracy by about one sample in 20.
TOLERANCES: dict[str, tuple[float, float]] = {
    "judge_accuracy": (0.05, 0.0),
    "classifier_uncertainty": (0.0, 0.05),
    "judge_fd": (0.0, 0.05),
    "judge_kid": (0.0, 0.10),
    "judge_kid_standardized": (0.0, 0.10),
    "bits_per_dim": (0.0, 0.01),
}
DEFAULT_TOLERANCE = (0.0, 0.05)


@dataclass(frozen=True)
class MetricComparison:
    name: str
    max_difference: float
    tolerance: tuple[float, float]
    mismatched_cells: int

    @property
    def ok(self) -> bool:
        return self.mismatched_cells == 0

    def line(self) -> str:
        bound = "exact" if self.tolerance == (0.0, 0.0) else f"abs {self.tolerance[0]:g} + rel {self.tolerance[1]:g}"
        verdict = "ok" if self.ok else f"MISMATCH in {self.mismatched_cells} cells"
        return f"{self.name}: max |difference| {self.max_difference:.3g} (tolerance {bound}): {verdict}"


def compare_matrices(old: dict[str, Any], new: dict[str, Any], exact: bool) -> list[MetricComparison]:
    """One comparison per metric of `old` (a metric missing from `new` mismatches every cell)."""
    comparisons = []
    for name, entry in sorted(old["metrics"].items()):
        tolerance = (0.0, 0.0) if exact else TOLERANCES.get(name, DEFAULT_TOLERANCE)
        other = new["metrics"].get(name, {}).get("matrix")
        worst, bad = 0.0, 0
        for t, row in enumerate(entry["matrix"]):
            for i, value in enumerate(row):
                fresh = other[t][i] if other and t < len(other) and i < len(other[t]) else None
                if value is None and fresh is None:
                    continue
                if value is None or fresh is None:
                    bad += 1
                    continue
                difference = abs(fresh - value)
                worst = max(worst, difference)
                bad += difference > tolerance[0] + tolerance[1] * abs(value)
        comparisons.append(MetricComparison(name, worst, tolerance, bad))
    return comparisons


def _threads(device: str) -> int | None:
    match = re.search(r":(\d+)threads$", device or "")
    return int(match.group(1)) if match else None


def reproduce(record_path: Path, bench: str | None, device: str | None, scratch_root: Path | None, data_root: str | None,
              echo: Callable[[str], None]) -> tuple[list[MetricComparison], bool]:
    """Rerun `record_path`'s configuration; returns the per-metric comparisons and whether it was exact."""
    old = read_record(record_path)
    if old["status"] != "complete":
        raise UsageError(f"run record {record_path} is {old['status']}, not complete: only complete records can be reproduced")
    recorded_device = str(old["environment"].get("device") or "")
    device = device or ("cuda" if recorded_device.startswith("cuda") else "cpu")
    threads = _threads(recorded_device)
    if pick_device(device).type == "cpu" and threads:
        torch.set_num_threads(threads)
    scratch = Path(tempfile.mkdtemp(prefix="harness-reproduce-", dir=scratch_root))
    try:
        spec = RunSpec(method=old["method"]["name"], bench=bench or old["bench"]["name"], seed=old["seed"],
                       overrides=dict(old["method"]["hparams"]), profile=old["bench"]["profile"], results_dir=scratch,
                       data_root=data_root, device=device, force=True)
        run = prepare(spec)
        if run.bench.spec_hash != old["bench"]["spec_hash"]:
            raise UsageError(f"bench {run.bench.name} has changed since {record_path} was made (spec hash {run.bench.spec_hash} != "
                             f"{old['bench']['spec_hash']}): check out the record's commit {old['environment'].get('git_commit')}")
        if run.hparams_hash != old["method"]["hparams_hash"]:
            raise UsageError(f"method {spec.method} gives hparams hash {run.hparams_hash} for the record's hparams, not "
                             f"{old['method']['hparams_hash']}: its Hparams changed since the record was made")
        echo(f"reproducing {record_path} in {scratch} on {device}" + (f" with {threads} threads" if threads else ""))
        new = read_record(execute(spec, echo=echo))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    now = describe(pick_device(device))
    exact = now["device"] == recorded_device and now["packages"].get("torch") == (old["environment"].get("packages") or {}).get("torch")
    return compare_matrices(old, new, exact), exact
