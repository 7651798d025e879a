"""The callables a sweep submits: one run (inline, SLURM) or a chunk of runs one after another
(a local worker), resumable, returning paths of JSON records (never result objects)."""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import Callable

import submitit

from core.errors import HarnessError
from harness.run_spec import RunSpec, prepare
from harness.sweep.grid import is_complete


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def allocated_cpus(requested: int) -> int:
    """CPUs this process may use: SLURM's allocation, else the request, never more than the machine's."""
    from_slurm = os.environ.get("SLURM_CPUS_PER_TASK", "")
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    count = int(from_slurm) if from_slurm.isdigit() else requested
    return max(1, min(count, available))


class RunJob(submitit.helpers.Checkpointable):
    """`execute(spec)` in a job, returning the record path as a string (never a result object).

    On preemption or timeout submitit calls `checkpoint`, which requeues this same callable;
    `execute` then resumes from the record's last finished task (its per-task checkpoint),
    so the final record's metrics equal an uninterrupted run's.
    """

    def __init__(self, cpus: int) -> None:
        self.cpus = cpus

    def __call__(self, spec: RunSpec) -> str:
        import torch

        from harness.runner import execute

        torch.set_num_threads(allocated_cpus(self.cpus))
        return str(execute(spec, echo=_stderr))

    def checkpoint(self, spec: RunSpec) -> submitit.helpers.DelayedSubmission:
        # a requeued --force run must resume what it started, not start over again
        return submitit.helpers.DelayedSubmission(RunJob(self.cpus), dataclasses.replace(spec, force=False))


def run_or_resume(spec: RunSpec, echo: Callable[[str], None] = _stderr) -> str:
    """Run one run of a chunk to its end and return its record path; a failure stays in the record.

    A record already complete (and no --force) is left alone: `execute` would refuse it. An
    incomplete record resumes from its last task checkpoint. A HarnessError (which `execute`
    has already written into the record as failed) is echoed, not raised, so the chunk goes on.
    """
    from harness.runner import execute

    run = prepare(spec)
    if not spec.force and is_complete(run):
        return str(run.record_path)
    try:
        execute(spec, echo=echo)
    except HarnessError as exc:
        echo(f"run {run.record_path.stem} failed: {exc}")
    return str(run.record_path)


class ChunkJob(submitit.helpers.Checkpointable):
    """Several runs one after another in one process, so start-up (torch, diffusers) is paid once.

    Returns every run's record path as a list of strings. `first` is the index to start from:
    on preemption or timeout `checkpoint` requeues the chunk from the run in progress, so runs
    that ended in an earlier attempt (complete or failed) are not run again, and the run in
    progress resumes from its last task checkpoint (its --force is dropped so it is not restarted).
    """

    def __init__(self, cpus: int, first: int = 0) -> None:
        self.cpus = cpus
        self.first = first
        self.current = first

    def __call__(self, specs: list[RunSpec]) -> list[str]:
        import torch

        torch.set_num_threads(allocated_cpus(self.cpus))
        for index in range(self.first, len(specs)):
            self.current = index
            run_or_resume(specs[index])
        return [str(prepare(spec).record_path) for spec in specs]

    def checkpoint(self, specs: list[RunSpec]) -> submitit.helpers.DelayedSubmission:
        resumed = [dataclasses.replace(spec, force=False) if index <= self.current else spec for index, spec in enumerate(specs)]
        return submitit.helpers.DelayedSubmission(ChunkJob(self.cpus, first=self.current), resumed)
