"""Jobs under submitit's local executor: preemption then requeue gives the uninterrupted record;
a job killed outside Python is reported failed within a bounded time."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import torch

from harness.bench import Resources
from harness.record import read_record
from harness.runner import RunSpec
from harness.sweep import LaunchOptions, expand
from harness.sweep.executors import EXECUTORS
from harness.sweep.handles import Handle, Outcome
from harness.sweep.job import RunJob
from tests.conftest import TINY_BENCH, write_bench

RESOURCES = Resources(gpus=0, cpus=1, mem_gb=1, timeout_min=10)
# long enough tasks that a signal sent after task 1 lands inside task 2
SLOWER_PROFILE = {**TINY_BENCH["profiles"], "default": {**TINY_BENCH["profiles"]["default"], "steps_per_task": 40}}


def _point(tmp_path: Path, results: str):
    bench = str(write_bench(tmp_path, profiles=SLOWER_PROFILE))
    grid = expand(RunSpec(method="", bench="", results_dir=tmp_path / results), ["er"], [bench], [3])
    return grid.todo[0]


def _task_pid(handle: Handle) -> int:
    controller = handle.job._process.pid
    for _ in range(200):
        children = Path(f"/proc/{controller}/task/{controller}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise AssertionError("the local job started no task process")


def _wait_until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _tasks_done(path: Path) -> int:
    try:
        return read_record(path)["tasks_done"]
    except Exception:  # noqa: BLE001 - not written yet
        return -1


def _wait_outcome(handle: Handle, timeout_s: float) -> tuple[Outcome, float]:
    started = time.monotonic()
    while (outcome := handle.poll()) is None:
        assert time.monotonic() - started < timeout_s, "the sweep waited too long for a job"
        time.sleep(0.2)
    return outcome, time.monotonic() - started


def test_preempted_job_requeues_and_its_record_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    reference_point = _point(tmp_path, "reference")
    threads = torch.get_num_threads()
    try:
        RunJob(RESOURCES.cpus)(reference_point.spec)
    finally:
        torch.set_num_threads(threads)
    reference = read_record(reference_point.record_path)

    point = _point(tmp_path, "preempted")
    options = LaunchOptions(log_dir=tmp_path / "logs", overrides={})
    (handle,) = EXECUTORS.get("local").launch([point], RESOURCES, options)
    task = _task_pid(handle)
    _wait_until(lambda: _tasks_done(point.record_path) == 1, 120, "task 1 of the run")
    os.kill(task, signal.SIGUSR2)  # what SLURM sends before a time limit or a preemption
    outcome, _ = _wait_outcome(handle, 300)

    assert outcome.status == "complete", outcome.detail
    log = Path(handle.job.paths.stderr).read_text()
    assert "Caught signal SIGUSR2" in log and "resuming" in log, log[-2000:]
    record = read_record(point.record_path)
    assert record["tasks_done"] == 2
    assert record["metrics"] == reference["metrics"]
    assert record["summary"] == reference["summary"]
    assert handle.job.result() == str(point.record_path)


def test_job_killed_outside_python_is_reported_failed_in_bounded_time(tmp_path: Path) -> None:
    point = _point(tmp_path, "killed")
    (handle,) = EXECUTORS.get("local").launch([point], RESOURCES, LaunchOptions(log_dir=tmp_path / "logs", overrides={}))
    task = _task_pid(handle)
    _wait_until(lambda: _tasks_done(point.record_path) >= 0, 120, "the run record")
    os.kill(task, signal.SIGKILL)  # as the kernel's OOM killer would
    outcome, waited = _wait_outcome(handle, 60)
    assert outcome.status == "failed" and "killed outside Python" in outcome.detail
    assert waited < 40
    record = read_record(point.record_path)
    assert record["status"] == "failed" and "killed outside Python" in record["error"]


def test_deadline_bounds_a_job_that_never_ends(tmp_path: Path) -> None:
    point = _point(tmp_path, "stuck")
    options = LaunchOptions(log_dir=tmp_path / "logs", overrides={}, max_wait_min=0.05)
    (handle,) = EXECUTORS.get("local").launch([point], RESOURCES, options)
    outcome, waited = _wait_outcome(handle, 60)
    assert outcome.status == "failed" and "gave no result within 0.1 min" in outcome.detail
    assert waited < 30
    _wait_until(lambda: handle.job.done(), 30, "the cancelled job to stop")
