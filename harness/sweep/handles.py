"""One handle per submitted job: poll it until each of its runs gives an outcome, within a bounded time.

A run's outcome comes from its JSON record (jobs return only record paths). Inline and SLURM
handles cover one run each; a local handle covers a chunk of runs that one worker process runs
one after another, and settles each run as soon as its record says complete or failed. A job
killed outside Python (out of memory, scancel, a lost node) leaves no result: the local handle
sees its process gone; the SLURM handle asks `squeue` (no accounting database, hence no
`sacct`) and declares the job dead when the queue says it ended, or no longer lists it, and
no result appeared within a grace period. Every handle also has a hard deadline.
"""

from __future__ import annotations

import abc

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from core.errors import HarnessError, UsageError
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


class Handle(abc.ABC):
    """A submitted job covering one run or more."""

    points: tuple[GridPoint, ...]

    @abc.abstractmethod
    def poll(self) -> list[Outcome]:
        """Outcomes of the runs that ended since the last poll (never blocks for long)."""

    @property
    @abc.abstractmethod
    def finished(self) -> bool:
        """True once every run of the job has given its outcome."""

    def cancel(self) -> None:
        pass


class OneRunHandle(Handle):
    """A job of exactly one run: `check` gives its outcome once, `poll` reports it once."""

    point: GridPoint
    outcome: Outcome | None = None

    @property
    def points(self) -> tuple[GridPoint, ...]:
        return (self.point,)

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    @abc.abstractmethod
    def check(self) -> Outcome | None:
        """The run's outcome once its job has ended, else None."""

    def poll(self) -> list[Outcome]:
        if self.outcome is not None:
            return []
        self.outcome = self.check()
        return [self.outcome] if self.outcome is not None else []


@dataclass
class InlineHandle(OneRunHandle):
    """Runs the job in this process the first time it is polled."""

    point: GridPoint
    job: Callable[[Any], str]

    def check(self) -> Outcome:
        try:
            self.job(self.point.spec)
        except HarnessError as exc:
            return outcome_from_record(self.point, str(exc))
        return outcome_from_record(self.point)


def job_error(job: Any) -> str | None:
    """Why an ended submitit job gave no good result (one line), or None if it returned normally."""
    waited = time.monotonic()
    while not job.paths.result_pickle.exists() and time.monotonic() - waited < RESULT_GRACE_S:
        time.sleep(0.2)  # a slow shared filesystem may show the result a little late
    if not job.paths.result_pickle.exists():
        return f"job {job.job_id} ended without a result: {KILLED}"
    try:
        job.result()
    except Exception as exc:  # noqa: BLE001 - the job's own failure, reported as one line
        return f"job {job.job_id}: {_last_line(str(exc))}"
    return None


def overdue_message(job: Any, deadline_s: float) -> str:
    return f"job {job.job_id} gave no result within {deadline_s / 60:.1f} min; cancelled (raise --max-wait-min or --timeout-min)"


def cancel_job(job: Any) -> None:
    try:
        job.cancel(check=False)
    except Exception:  # noqa: BLE001 - best effort: the job may already be gone
        pass


@dataclass
class SubmititHandle(OneRunHandle):
    point: GridPoint
    job: Any  # submitit.Job
    deadline_s: float
    submitted_at: float = field(default_factory=time.monotonic)

    def _finished(self) -> Outcome:
        return outcome_from_record(self.point, job_error(self.job))

    def _overdue(self) -> Outcome | None:
        waited = time.monotonic() - self.submitted_at
        if waited <= self.deadline_s:
            return None
        self.cancel()
        return outcome_from_record(self.point, overdue_message(self.job, self.deadline_s))

    def cancel(self) -> None:
        cancel_job(self.job)


class SlurmHandle(SubmititHandle):
    dead_since: float | None = None

    def check(self) -> Outcome | None:
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


RecordStamp = tuple[int, int] | None


def record_stamp(path: Path) -> RecordStamp:
    """Which file the record path names now, as (inode, mtime): every atomic record write changes it."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)


@dataclass
class ChunkHandle(Handle):
    """A local worker job that runs `points` one after another in one process.

    A run settles as soon as its record, rewritten since `stamps` were taken (just before the
    submission), says complete or failed; a record left over from an earlier sweep never counts.
    The handle is finished once every run has settled and the worker process has ended.
    When the job ends, or is cancelled for passing its deadline, every run not yet settled is
    settled from its record and the job's fate (its error, or killed outside Python).
    """

    points: tuple[GridPoint, ...]
    job: Any  # submitit.Job returning the list of record paths
    deadline_s: float
    stamps: tuple[RecordStamp, ...]
    submitted_at: float = field(default_factory=time.monotonic)
    settled: dict[int, Outcome] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        """Every run settled and the worker gone: a run's record says complete before the worker
        returns and submitit writes the job's result, so the settled runs alone do not end the job."""
        return len(self.settled) == len(self.points) and self.job.done()

    def poll(self) -> list[Outcome]:
        if len(self.settled) == len(self.points):
            if not self.job.done() and time.monotonic() - self.submitted_at > self.deadline_s:
                self.cancel()  # the worker outlived its runs: nothing is left to report, only to stop
            return []
        if self.job.done():
            return self._settle_rest(job_error(self.job))
        if time.monotonic() - self.submitted_at > self.deadline_s:
            self.cancel()
            return self._settle_rest(overdue_message(self.job, self.deadline_s))
        return self._settle(self._ended_run)

    def cancel(self) -> None:
        cancel_job(self.job)

    def _written_since_launch(self, index: int) -> bool:
        return record_stamp(self.points[index].record_path) != self.stamps[index]

    def _ended_run(self, index: int) -> Outcome | None:
        """The run's outcome if its fresh record says it ended, else None (still to come or running)."""
        point = self.points[index]
        if not self._written_since_launch(index):
            return None
        try:
            record = read_record(point.record_path)
        except UsageError:
            return None
        if record["status"] == "complete":
            return Outcome(point, "complete", str(point.record_path))
        if record["status"] == "failed":
            return Outcome(point, "failed", record.get("error") or "the run failed without an error message")
        return None

    def _settle_rest(self, job_failure: str | None) -> list[Outcome]:
        """Settle every run still open once the job is over: a run it never reached fails too."""
        never_reached = f"{job_failure or f'job {self.job.job_id} ended'} before this run wrote its record"

        def final(index: int) -> Outcome:
            if self._written_since_launch(index):
                return outcome_from_record(self.points[index], job_failure)
            return Outcome(self.points[index], "failed", never_reached)

        return self._settle(final)

    def _settle(self, decide: Callable[[int], Outcome | None]) -> list[Outcome]:
        fresh = []
        for index in range(len(self.points)):
            if index not in self.settled and (outcome := decide(index)) is not None:
                self.settled[index] = outcome
                fresh.append(outcome)
        return fresh


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
