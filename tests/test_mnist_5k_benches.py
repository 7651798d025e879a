"""The embedded real-MNIST benches end to end: a smoke run of each, and the judge they train.
(Slow: the judge's first training is minutes on a shared CPU; docs/split-mnist-5k.md has the timings.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.record import read_record
from harness.runner import RunSpec, execute


@pytest.mark.slow
@pytest.mark.parametrize("bench,tasks", [("split-mnist-5k", 5), ("split-mnist-5k-10", 10)])
def test_smoke_run_completes_with_a_judge_of_at_least_97_percent(tmp_path: Path, bench: str, tasks: int) -> None:
    record = read_record(execute(RunSpec(method="finetune", bench=bench, profile="smoke", results_dir=tmp_path)))
    assert record["status"] == "complete" and record["tasks_done"] == tasks
    assert record["evaluation"]["judge_test_accuracy"] >= 0.97
    assert record["details"]["bits_per_dim"][tasks - 1][0]["timestep_stride"] == 500
