"""Where a sweep's jobs run: inline (this process), local (a few submitit worker processes, each
running its chunk of the runs one after another), slurm (job arrays, one task per run).

`EXECUTORS` is the one source of truth for the executor names; `RESOURCE_FIELDS` (the fields
of `harness.bench.Resources`) is the one source of truth for the resource flags.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import submitit
from submitit.slurm.slurm import _make_sbatch_string

from core.errors import UsageError
from core.registry import Registry
from harness.bench import Resources
from harness.names import slug
from harness.sweep.grid import GridPoint
from harness.sweep.handles import ChunkHandle, Handle, InlineHandle, SlurmHandle, record_stamp
from harness.sweep.job import ChunkJob, RunJob

RESOURCE_FIELDS = tuple(f.name for f in dataclasses.fields(Resources))


@dataclass(frozen=True)
class LaunchOptions:
    """Everything but the runs themselves: where logs go and how much each job may take."""

    log_dir: Path
    overrides: dict[str, int]
    partition: str | None = None
    max_parallel: int | None = None
    max_wait_min: float | None = None

    def resources(self, bench_defaults: Resources) -> Resources:
        return dataclasses.replace(bench_defaults, **{k: v for k, v in self.overrides.items() if v is not None})

    def deadline_s(self, resources: Resources, runs: int = 1) -> float:
        """No job may be waited on longer: per run, --max-wait-min or its time limit times
        (1 + requeues) plus slack; a job that runs `runs` runs one after another gets `runs` times that."""
        if self.max_wait_min is not None:
            return 60 * self.max_wait_min * runs
        return (60 * resources.timeout_min * (1 + MAX_REQUEUES) + 300) * runs


MAX_REQUEUES = 3


@dataclass(frozen=True)
class ExecutorKind:
    name: str
    description: str
    launch: Callable[[list[GridPoint], Resources, LaunchOptions], list[Handle]]  # one batch of runs
    parallel_slots: Callable[[Resources, LaunchOptions], int | None]  # jobs at once; None: the scheduler throttles
    batches: Callable[[list[GridPoint], Resources, LaunchOptions], list[list[GridPoint]]] = lambda points, r, o: [[p] for p in points]
    check: Callable[[LaunchOptions], None] = lambda options: None


EXECUTORS: Registry[ExecutorKind] = Registry("executor")


def _launch_inline(points: list[GridPoint], resources: Resources, options: LaunchOptions) -> list[Handle]:
    return [InlineHandle(point, RunJob(resources.cpus)) for point in points]


def _local_slots(resources: Resources, options: LaunchOptions) -> int:
    return options.max_parallel or max(1, (os.cpu_count() or 1) // max(1, resources.cpus))


def _local_chunks(points: list[GridPoint], resources: Resources, options: LaunchOptions) -> list[list[GridPoint]]:
    """At most one chunk per slot, dealt round-robin so that every chunk gets a mix of methods and seeds."""
    count = min(len(points), _local_slots(resources, options))
    return [points[start::count] for start in range(count)]


def _launch_local(points: list[GridPoint], resources: Resources, options: LaunchOptions) -> list[Handle]:
    """One worker job for the whole chunk `points`; its time limit and deadline scale with their number."""
    executor = submitit.LocalExecutor(folder=options.log_dir / "%j", max_num_timeout=MAX_REQUEUES)
    executor.update_parameters(
        timeout_min=resources.timeout_min * len(points), gpus_per_node=resources.gpus, signal_delay_s=signal_delay_s(resources)
    )
    stamps = tuple(record_stamp(point.record_path) for point in points)  # before the job can write any
    job = executor.submit(ChunkJob(resources.cpus), [point.spec for point in points])
    return [ChunkHandle(tuple(points), job, options.deadline_s(resources, len(points)), stamps)]


def signal_delay_s(resources: Resources) -> int:
    """Seconds between the preemption signal and the kill: enough to finish a write, short for tiny limits."""
    return int(min(90, max(5, resources.timeout_min * 60 // 4)))


def slurm_job_name(bench_name: str) -> str:
    """From the bench's declared name (never the path it was given as): a safe slug, no newline."""
    return f"harness-{slug(bench_name)}"


def slurm_parameters(resources: Resources, options: LaunchOptions, job_name: str) -> dict[str, Any]:
    """submitit SlurmExecutor parameters for one bench's job array."""
    parameters: dict[str, Any] = {
        "job_name": job_name,
        "time": resources.timeout_min,
        "cpus_per_task": resources.cpus,
        "mem": f"{resources.mem_gb}GB",
        "signal_delay_s": signal_delay_s(resources),
    }
    if resources.gpus:
        parameters["gpus_per_node"] = resources.gpus
    if options.partition:
        parameters["partition"] = options.partition
    if options.max_parallel:
        parameters["array_parallelism"] = options.max_parallel
    return parameters


def sbatch_script(resources: Resources, options: LaunchOptions, job_name: str, count: int, python: str) -> str:
    """The sbatch file submitit writes for a job array of `count` runs (golden-file tested)."""
    folder = options.log_dir / "%j"
    command = f"{python} -u -m submitit.core._submit {folder}"
    return _make_sbatch_string(command=command, folder=folder, map_count=count, **slurm_parameters(resources, options, job_name))


def _check_slurm(options: LaunchOptions) -> None:
    if shutil.which("sbatch") is None or shutil.which("srun") is None:
        raise UsageError("executor slurm needs SLURM's sbatch and srun on PATH: run on a cluster login node (or scripts/slurm/start-cluster)")
    try:
        listed = subprocess.run(["sinfo", "-h", "-o", "%R"], capture_output=True, text=True, timeout=30, check=True).stdout.split()
    except (subprocess.SubprocessError, OSError) as exc:
        raise UsageError(f"cannot list SLURM partitions with sinfo ({exc}): is slurmctld reachable?") from None
    if options.partition and options.partition not in listed:
        raise UsageError(f"SLURM partition {options.partition!r} does not exist: choose one of {', '.join(sorted(set(listed))) or '(none)'}")


def _launch_slurm(points: list[GridPoint], resources: Resources, options: LaunchOptions) -> list[Handle]:
    executor = submitit.SlurmExecutor(folder=options.log_dir / "%j", max_num_timeout=MAX_REQUEUES)
    executor.update_parameters(**slurm_parameters(resources, options, slurm_job_name(points[0].bench.name)))
    with executor.batch():
        jobs = [executor.submit(RunJob(resources.cpus), point.spec) for point in points]
    deadline = options.deadline_s(resources)
    return [SlurmHandle(point, job, deadline) for point, job in zip(points, jobs)]


EXECUTORS.add("inline", ExecutorKind("inline", "one run after another in this process", _launch_inline, lambda r, o: 1))
EXECUTORS.add("local", ExecutorKind("local", "submitit worker processes on this machine", _launch_local, _local_slots, _local_chunks))
EXECUTORS.add("slurm", ExecutorKind("slurm", "SLURM job arrays via submitit", _launch_slurm, lambda r, o: None, lambda points, r, o: [points], _check_slurm))
