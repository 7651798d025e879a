"""Sweeps on a real single-node SLURM cluster (scripts/slurm/start-cluster): `pytest -m slurm`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness.bench import Resources
from harness.cli import main
from harness.record import read_record
from harness.runner import RunSpec
from harness.sweep import LaunchOptions, expand
from harness.sweep.executors import EXECUTORS
from tests.conftest import TINY_BENCH, write_bench
from tests.test_sweep_local import SLOWER_PROFILE, _tasks_done, _wait_outcome, _wait_until, run_reference

pytestmark = pytest.mark.slurm
START = Path(__file__).resolve().parent.parent / "scripts" / "slurm" / "start-cluster"
RESOURCES = Resources(gpus=0, cpus=1, mem_gb=1, timeout_min=10)


@pytest.fixture(scope="module", autouse=True)
def cluster() -> None:
    started = subprocess.run([str(START)], capture_output=True, text=True, timeout=900)
    if started.returncode != 0:
        pytest.skip(f"no local SLURM cluster: {START} failed: {(started.stderr or started.stdout).strip().splitlines()[-1:]}")


def test_smoke_sweep_two_methods_two_seeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = str(write_bench(tmp_path))
    argv = ["sweep", "--methods", "finetune,er", "--benches", bench, "--seeds", "0,1", "--profile", "smoke",
            "--executor", "slurm", "--slurm-partition", "debug", "--cpus", "1", "--mem-gb", "1", "--timeout-min", "10",
            "--results", str(tmp_path / "results")]
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "4 complete, 0 failed, 0 skipped" in out
    records = sorted((tmp_path / "results" / "runs" / "tiny-digits").glob("*.json"))
    assert len(records) == 4
    for path in records:
        record = read_record(path)
        assert record["status"] == "complete" and record["tasks_done"] == 2
        assert all(None not in row[: t + 1] for entry in record["metrics"].values() for t, row in enumerate(entry["matrix"]))
    assert main(argv) == 0
    assert "0 complete, 0 failed, 4 skipped" in capsys.readouterr().out


def _point(tmp_path: Path, results: str):
    bench = str(write_bench(tmp_path, profiles=SLOWER_PROFILE))
    return expand(RunSpec(method="", bench="", results_dir=tmp_path / results), ["er"], [bench], [5]).todo[0]


def test_preempted_slurm_job_requeues_and_equals_uninterrupted(tmp_path: Path) -> None:
    reference = run_reference(_point(tmp_path, "reference"))
    point = _point(tmp_path, "preempted")
    (handle,) = EXECUTORS.get("slurm").launch([point], RESOURCES, LaunchOptions(log_dir=tmp_path / "logs", overrides={}, partition="debug"))
    _wait_until(lambda: _tasks_done(point.record_path) == 1, 300, "task 1 on SLURM")
    handle.job._interrupt(timeout=True)  # scancel --signal USR2: what SLURM sends before the time limit
    outcome, _ = _wait_outcome(handle, 400)
    assert outcome.status == "complete", outcome.detail
    log = Path(handle.job.paths.stderr).read_text()
    assert "Caught signal SIGUSR2" in log and "resuming" in log, log[-2000:]
    record = read_record(point.record_path)
    assert record["metrics"] == reference["metrics"] and record["summary"] == reference["summary"]
    evidence = Path(__file__).resolve().parent.parent / "results" / "sweep-logs" / "slurm-preemption-evidence.json"
    evidence.parent.mkdir(parents=True, exist_ok=True)
    evidence.write_text(json.dumps({"job": handle.job.job_id, "log_tail": log[-1500:], "preempted": record, "uninterrupted": reference}, indent=1))


def test_scancelled_job_is_reported_failed_in_bounded_time(tmp_path: Path) -> None:
    slow = {**TINY_BENCH["profiles"], "default": {**TINY_BENCH["profiles"]["default"], "steps_per_task": 2000}}
    bench = str(write_bench(tmp_path, profiles=slow))  # cannot finish within SLURM's KillWait after scancel
    point = expand(RunSpec(method="", bench="", results_dir=tmp_path / "cancelled"), ["er"], [bench], [5]).todo[0]
    (handle,) = EXECUTORS.get("slurm").launch([point], RESOURCES, LaunchOptions(log_dir=tmp_path / "logs", overrides={}, partition="debug"))
    _wait_until(lambda: _tasks_done(point.record_path) >= 0, 300, "the run record on SLURM")
    subprocess.run(["scancel", handle.job.job_id], check=True)
    outcome, waited = _wait_outcome(handle, 120)
    assert outcome.status == "failed" and "killed outside Python" in outcome.detail, outcome.detail
    assert waited < 90
    assert read_record(point.record_path)["status"] == "failed"
