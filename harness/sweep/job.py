"""The callable a sweep submits: one run, resumable, returning the path of its JSON record."""

from __future__ import annotations

import dataclasses
import os
import sys

import submitit
import torch

from harness.runner import RunSpec, execute


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
        torch.set_num_threads(allocated_cpus(self.cpus))
        return str(execute(spec, echo=lambda line: print(line, file=sys.stderr, flush=True)))

    def checkpoint(self, spec: RunSpec) -> submitit.helpers.DelayedSubmission:
        # a requeued --force run must resume what it started, not start over again
        return submitit.helpers.DelayedSubmission(RunJob(self.cpus), dataclasses.replace(spec, force=False))
