"""One handle per submitted run: poll it until it gives an outcome, within a bounded time.

A run's outcome comes from its JSON record (the job returns only the record's path). A job
killed outside Python (out of memory, scancel, a lost node) leaves no result: the local handle
sees its process gone; the SLURM handle asks `squeue` (no accounting database, hence no
`sacct`) and declares the job dead when the queue says it ended, or no longer lists it, and
no result appeared within a grace period. Every handle also has a hard deadline.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from harness.errors import HarnessError, UsageError
from harness.record import read_record, write_record
from harness.sweep.grid import GridPoint

Status = Literal["complete", "failed"]
DEAD_GRACE_S = 20.0
RESULT_GRACE_S = 5.0
KILLED = "killed outside Python (out of memory, a signal such as scancel, or a lost node)"
SLURM_ACTIVE = {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SUSPENDED", "STAGE_OUT", "SIGNALING", "PREEMPTED"}


@dataclass(frozen=True)
class Outcome:
    point: GridPoint
    status: Status
    detail: str  # the record path when complete, the one-line error when failed


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "no error message")[:400]


def outcome_from_record(point: GridPoint, fallback_error: str | None = None) -> Outcome:
    """What the run's record says; a record still 'running' after its job ended is marked failed."""
    try:
        record = read_record(point.record_path)
    except UsageError as exc:
        return Outcome(point, "failed", fallback_error or str(exc))
    if record["status"] == "complete":
        return Outcome(point, "complete", str(point.record_path))
    message = record.get("error") or fallback_error or "job ended but the run record still says running"
    if record["status"] == "running":
        record.update(status="failed", error=message)
        write_record(point.record_path, record)
    return Outcome(point, "failed", message)


class Handle:
    point: GridPoint

    def poll(self) -> Outcome | None:
        """The outcome once the job has ended, else None (never blocks for long)."""
        raise NotImplementedError

    def cancel(self) -> None:
        pass


@dataclass
class InlineHandle(Handle):
    """Runs the job in this process the first time it is polled."""

    point: GridPoint
    job: Callable[[Any], str]

    def poll(self) -> Outcome:
        try:
            self.job(self.point.spec)
        except HarnessError as exc:
            return outcome_from_record(self.point, str(exc))
        return outcome_from_record(self.point)


@dataclass
class SubmititHandle(Handle):
    point: GridPoint
    job: Any  # submitit.Job
    deadline_s: float
    submitted_at: float = field(default_factory=time.monotonic)

    def _finished(self) -> Outcome:
        waited = time.monotonic()
        while not self.job.paths.result_pickle.exists() and time.monotonic() - waited < RESULT_GRACE_S:
            time.sleep(0.2)  # a slow shared filesystem may show the result a little late
        if not self.job.paths.result_pickle.exists():
            return outcome_from_record(self.point, f"job {self.job.job_id} ended without a result: {KILLED}")
        try:
            self.job.result()
        except Exception as exc:  # noqa: BLE001 - the job's own failure, reported as one line
            return outcome_from_record(self.point, f"job {self.job.job_id}: {_last_line(str(exc))}")
        return outcome_from_record(self.point)

    def _overdue(self) -> Outcome | None:
        waited = time.monotonic() - self.submitted_at
        if waited <= self.deadline_s:
            return None
        self.cancel()
        message = f"job {self.job.job_id} gave no result within {self.deadline_s / 60:.1f} min; cancelled (raise --max-wait-min or --timeout-min)"
        return outcome_from_record(self.point, message)

    def cancel(self) -> None:
        try:
            self.job.cancel(check=False)
        except Exception:  # noqa: BLE001 - best effort: the job may already be gone
            pass


class LocalHandle(SubmititHandle):
    def poll(self) -> Outcome | None:
        if self.job.done():
            return self._finished()
        return self._overdue()


class SlurmHandle(SubmititHandle):
    dead_since: float | None = None

    def poll(self) -> Outcome | None:
        if self.job.paths.result_pickle.exists():
            return self._finished()
        state = slurm_state(self.job.job_id)
        if state is not None and state.split()[0] not in SLURM_ACTIVE:
            self.dead_since = self.dead_since or time.monotonic()
            if time.monotonic() - self.dead_since > DEAD_GRACE_S:
                what = "is no longer in the queue" if state == "GONE" else f"ended {state}"
                return outcome_from_record(self.point, f"SLURM job {self.job.job_id} {what} without a result: {KILLED}")
        else:
            self.dead_since = None
        return self._overdue()


_STATES: dict[str, str] = {}
_STATES_AT = float("-inf")
STATE_REFRESH_S = 3.0


def slurm_state(job_id: str) -> str | None:
    """The job's state from `squeue` (cached for a few seconds); 'GONE' if the queue forgot it;
    None if squeue could not answer (then nothing is concluded)."""
    global _STATES, _STATES_AT
    if time.monotonic() - _STATES_AT > STATE_REFRESH_S:
        try:
            listing = subprocess.run(["squeue", "--me", "--states=all", "-r", "-h", "-o", "%i|%T"], capture_output=True, text=True, timeout=30, check=True).stdout
        except (subprocess.SubprocessError, OSError):
            return None
        _STATES = dict(line.split("|", 1) for line in listing.splitlines() if "|" in line)
        _STATES_AT = time.monotonic()
    return _STATES.get(job_id, "GONE")
