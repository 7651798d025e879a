"""Jobs under submitit's local executor: preemption then requeue gives the uninterrupted record;
a job killed outside Python is reported failed within a bounded time; a worker running a chunk
of runs reports each run as it ends and goes on past a failing one."""

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
from harness.sweep import LaunchOptions, expand, run_sweep
from harness.sweep.executors import EXECUTORS
from harness.sweep.grid import Grid, GridPoint
from harness.sweep.handles import Handle, Outcome
from harness.sweep.job import RunJob
from tests.conftest import TINY_BENCH, write_bench

RESOURCES = Resources(gpus=0, cpus=1, mem_gb=1, timeout_min=10)
# long enough tasks that a signal sent after task 1 lands inside task 2
SLOWER_PROFILE = {**TINY_BENCH["profiles"], "default": {**TINY_BENCH["profiles"]["default"], "steps_per_task": 40}}


def _point(tmp_path: Path, results: str, seed: int = 3, **bench_changes: object) -> GridPoint:
    bench = str(write_bench(tmp_path, **{"profiles": SLOWER_PROFILE, **bench_changes}))
    grid = expand(RunSpec(method="", bench="", results_dir=tmp_path / results), ["er"], [bench], [seed])
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


def _wait_outcomes(handle: Handle, timeout_s: float) -> tuple[list[Outcome], float]:
    started = time.monotonic()
    outcomes: list[Outcome] = []
    while not handle.finished:
        assert time.monotonic() - started < timeout_s, "the sweep waited too long for a job"
        outcomes += handle.poll()
        time.sleep(0.2)
    return outcomes, time.monotonic() - started


def _wait_outcome(handle: Handle, timeout_s: float) -> tuple[Outcome, float]:
    (outcome,), waited = _wait_outcomes(handle, timeout_s)
    return outcome, waited


def run_reference(point: GridPoint) -> dict:
    """The uninterrupted run's record, run in this process (torch threads restored after)."""
    threads = torch.get_num_threads()
    try:
        RunJob(RESOURCES.cpus)(point.spec)
    finally:
        torch.set_num_threads(threads)
    return read_record(point.record_path)


def test_preempted_chunk_requeues_skips_its_complete_run_and_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    reference = run_reference(_point(tmp_path, "reference"))

    earlier, point = _point(tmp_path, "preempted", seed=4), _point(tmp_path, "preempted")
    options = LaunchOptions(log_dir=tmp_path / "logs", overrides={})
    (handle,) = EXECUTORS.get("local").launch([earlier, point], RESOURCES, options)
    task = _task_pid(handle)
    _wait_until(lambda: _tasks_done(point.record_path) == 1, 240, "task 1 of the chunk's second run")
    earlier_record = read_record(earlier.record_path)
    os.kill(task, signal.SIGUSR2)  # what SLURM sends before a time limit or a preemption
    outcomes, _ = _wait_outcomes(handle, 300)

    assert [(o.point, o.status) for o in outcomes] == [(earlier, "complete"), (point, "complete")], outcomes
    log = Path(handle.job.paths.stderr).read_text()
    assert "Caught signal SIGUSR2" in log and log.count("resuming") == 1, log[-2000:]
    assert read_record(earlier.record_path) == earlier_record, "the requeued chunk ran its complete run again"
    record = read_record(point.record_path)
    assert record["tasks_done"] == 2
    assert record["metrics"] == reference["metrics"]
    assert record["summary"] == reference["summary"]
    assert handle.job.result() == [str(earlier.record_path), str(point.record_path)]


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
    started, outcomes = time.monotonic(), []
    while not outcomes:  # the deadline bounds when the sweep hears of the run, not how fast a loaded machine reaps the worker
        assert time.monotonic() - started < 60, "the deadline did not settle the run"
        outcomes = handle.poll()
        time.sleep(0.2)
    waited = time.monotonic() - started
    (outcome,) = outcomes
    assert outcome.status == "failed" and "gave no result within 0.1 min" in outcome.detail
    assert waited < 30
    _wait_until(lambda: handle.finished, 120, "the cancelled job to stop")


def test_a_chunk_goes_on_past_a_failing_run_and_reports_each_run_as_it_ends(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "broken").mkdir()
    first = _point(tmp_path / "good", "results", seed=0)
    broken = _point(tmp_path / "broken", "results", seed=1, tasks=[[0, 1], [2, 42]])  # same bench name: one chunk
    last = _point(tmp_path / "good", "results", seed=2)
    lines: list[str] = []
    last_complete_at_first_line: list[bool] = []

    def echo(line: str) -> None:
        if line.startswith("[1/3]"):
            last_complete_at_first_line.append(_tasks_done(last.record_path) == 2)
        lines.append(line)

    options = LaunchOptions(log_dir=tmp_path / "logs", overrides={"cpus": 1}, max_parallel=1)
    summary = run_sweep(Grid((first, broken, last), ()), "local", options, echo=echo, poll_s=0.2)

    assert [(o.point, o.status) for o in summary.outcomes] == [(first, "complete"), (broken, "failed"), (last, "complete")]
    assert "names class 42" in summary.failed[0].detail
    assert lines[1:] == [
        f"[1/3] complete: {first.label}: {first.record_path}",
        f"[2/3] failed: {broken.label}: {summary.failed[0].detail}",
        f"[3/3] complete: {last.label}: {last.record_path}",
    ]
    assert last_complete_at_first_line == [False], "the first run was reported only when the whole chunk ended"
    assert summary.lines() == [
        "sweep: 2 complete, 1 failed, 0 skipped (already complete)",
        f"  failed: {broken.label}: {summary.failed[0].detail}",
    ]
    assert read_record(broken.record_path)["status"] == "failed"
    assert len(list((tmp_path / "logs").glob("*/*_result.pkl"))) == 1, "the three runs should share one worker job"


def test_a_chunk_is_finished_only_once_its_worker_has_ended(tmp_path: Path) -> None:
    """The race behind a flaky check of `*_result.pkl`: every run's record says complete before the
    worker returns and submitit writes the job's result, so settled runs alone must not end the job."""
    import shutil

    from harness.sweep.handles import ChunkHandle, record_stamp
    from leaderboard_records import make_record

    point = _point(tmp_path, "results")
    stamp = record_stamp(point.record_path)

    class Worker:
        job_id, running = "1", True

        def done(self) -> bool:
            return not self.running

    worker = Worker()
    handle = ChunkHandle((point,), worker, deadline_s=600, stamps=(stamp,))
    point.record_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(make_record(tmp_path / "made", "er", 0, [[0.5]], [[1.0]]), point.record_path)
    assert [outcome.status for outcome in handle.poll()] == ["complete"]
    assert not handle.finished, "the worker is still writing its result"
    worker.running = False
    assert handle.poll() == [] and handle.finished
