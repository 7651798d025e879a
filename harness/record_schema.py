"""The run record's one schema (version 1): pydantic models, checked on every read and write.

Records are untrusted input: a leaderboard merges records that others send in. A record that
passes here has safe names in every field that reaches a path, an `hparams_hash` that is the
hash of its `hparams`, a `run_key` made of its own fields, JSON booleans where booleans belong,
finite numbers only, T x T matrices (T = its number of tasks) with null above the diagonal and
where no task was scored, and lengths that agree with its tasks. Unknown keys are refused,
except inside the free-form blocks (environment, evaluation, method.notes, hparams).

Shape (every key; `?` optional):
  schema_version 1, status running | complete | failed, error? str,
  run_key <method>-<hparams hash>-<profile>-seed<seed>[-order<order_seed>][-every<K>],
  bench {name, version, spec_hash, profile, track?, tasks [T names], headline? [metric], min_seeds?},
  method {name, hparams {key: JSON}, hparams_hash, notes? {key: JSON}}, seed, order_seed?,
  environment {harness_version?, git_commit?, python?, packages? {name: version}, device?, threads?, platform?, ...},
  environment_history? [{from_task, environment}], tasks_done 0..T,
  timing? {setup_s, per_task [{train_s, eval_s, checkpoint_s}], total_s}, evaluation? {key: JSON},
  metrics {name: {higher_is_better, description?, matrix T x T}}, eval_rows? {schedule, full_rows},
  details? {name: T x T matrix of JSON}, summary? {metric: {aggregate: number | null}} (complete: required),
  samples? bare PNG name beside the record, checkpoint_sha256? [sha256 | null] (<= T),
  adapters? [<run_key>.adapters/taskNN/pytorch_lora_weights.safetensors] (<= T),
  parameters? {backbone_unet, trained_fraction [<= T], stored_fraction [<= T]}, created_at?, updated_at? (ISO 8601).
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Annotated, Any, Literal, Optional

from pydantic import AfterValidator, Field, model_validator

from core.errors import UsageError
from harness.eval_schedule import EvalSchedule, parse_schedule
from harness.hparams import hparams_hash
from harness.schema_types import (MAX_ERROR_TEXT, Count, Finite, HexHash, JsonValue, Matrix, Open, SafeName, Seed, Sha256, Strict,
                                  TaskName, Text)

SCHEMA_VERSION = 1
STATUSES = ("running", "complete", "failed")
ANY_STATUS = "any"  # a filter value meaning every status (`harness export --status any`)
MAX_TASKS = 1000
HPARAM_KEY = re.compile(r"[a-z_][a-z0-9_]{0,63}")
Fraction = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=1e6)]
Seconds = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=1e9)]
ShortText = Annotated[str, Field(strict=True, max_length=200)]


def _timestamp(value: str) -> str:
    try:
        _dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 time, e.g. 2026-01-31T12:00:00+00:00") from None
    return value


def _hparam_keys(value: dict[str, Any]) -> dict[str, Any]:
    bad = [key for key in value if HPARAM_KEY.fullmatch(key) is None]
    if bad:
        raise ValueError(f"key {bad[0][:60]!r} must match [a-z_][a-z0-9_]* (at most 64 characters)")
    return value


def run_stem(method: str, hparams_hash_: str, profile: str, seed: int, order_seed: int | None = None, eval_every: int = 1) -> str:
    order = "" if order_seed is None else f"-order{order_seed}"  # a task order other than the bench's
    rows = "" if eval_every == 1 else f"-every{eval_every}"  # a sparse evaluation schedule
    return f"{method}-{hparams_hash_}-{profile}-seed{seed}{order}{rows}"


Timestamp = Annotated[str, Field(strict=True, max_length=64), AfterValidator(_timestamp)]


class Bench(Strict):
    name: SafeName
    version: Annotated[int, Field(strict=True, ge=0, le=10**6)]
    spec_hash: HexHash
    profile: SafeName
    track: Optional[SafeName] = None
    tasks: Annotated[list[TaskName], Field(min_length=1, max_length=MAX_TASKS)]
    headline: list[SafeName] = []
    min_seeds: Annotated[int, Field(strict=True, ge=1, le=1000)] = 3


class Method(Strict):
    name: SafeName
    hparams: Annotated[dict[str, JsonValue], AfterValidator(_hparam_keys)]
    hparams_hash: HexHash
    notes: Optional[dict[str, JsonValue]] = None


class Environment(Open):
    harness_version: Optional[ShortText] = None
    git_commit: Optional[ShortText] = None
    python: Optional[ShortText] = None
    packages: Optional[dict[str, Optional[ShortText]]] = None
    device: Optional[ShortText] = None
    threads: Optional[Annotated[int, Field(strict=True, ge=1, le=100_000)]] = None  # torch's thread count; absent in older records
    platform: Optional[ShortText] = None


class EnvironmentSegment(Strict):
    from_task: Count
    environment: Environment


class TaskTiming(Strict):
    train_s: Seconds
    eval_s: Seconds
    checkpoint_s: Seconds


class Timing(Strict):
    setup_s: Seconds = 0.0
    per_task: list[TaskTiming] = []
    total_s: Seconds = 0.0


class Metric(Strict):
    higher_is_better: bool
    description: Text = ""
    matrix: Matrix
    kind: Literal["score", "drift"] = "score"  # a drift matrix (C-LoRA's F_MMD) has its own aggregate, no forgetting


class EvalRows(Strict):
    schedule: ShortText
    full_rows: list[Count]


class Parameters(Strict):
    backbone_unet: Annotated[int, Field(strict=True, ge=1, le=10**13)]
    trained_fraction: list[Fraction] = []
    stored_fraction: list[Fraction] = []


SamplesName = Annotated[str, Field(strict=True, pattern=r"^[a-z0-9][a-z0-9._-]{0,150}\.png$")]
AdapterPath = Annotated[str, Field(strict=True, pattern=r"^[a-z0-9][a-z0-9._-]{0,200}\.adapters/task[0-9]{2,4}/pytorch_lora_weights\.safetensors$")]


class RunRecord(Strict):
    """One run: what it ran, where, and its T x T score matrices."""

    schema_version: Literal[1]
    status: Literal["running", "complete", "failed"]
    error: Optional[Annotated[str, Field(strict=True, max_length=MAX_ERROR_TEXT)]] = None
    run_key: Annotated[str, Field(strict=True, max_length=400)]
    bench: Bench
    method: Method
    seed: Seed
    order_seed: Optional[Seed] = None
    environment: Environment
    environment_history: Optional[list[EnvironmentSegment]] = None
    tasks_done: Count
    timing: Optional[Timing] = None
    evaluation: Optional[dict[str, JsonValue]] = None
    metrics: Annotated[dict[SafeName, Metric], Field(min_length=1)]
    eval_rows: Optional[EvalRows] = None
    details: Optional[dict[SafeName, list[list[JsonValue]]]] = None
    summary: Optional[dict[SafeName, dict[SafeName, Optional[Finite]]]] = None
    samples: Optional[SamplesName] = None
    checkpoint_sha256: Optional[list[Optional[Sha256]]] = None
    adapters: Optional[list[AdapterPath]] = None
    parameters: Optional[Parameters] = None
    created_at: Optional[Timestamp] = None
    updated_at: Optional[Timestamp] = None

    @property
    def size(self) -> int:
        return len(self.bench.tasks)

    @property
    def schedule(self) -> EvalSchedule:
        return EvalSchedule() if self.eval_rows is None else parse_schedule(self.eval_rows.schedule, "eval_rows.schedule")

    @model_validator(mode="after")
    def _consistent(self) -> "RunRecord":
        size = self.size
        if self.tasks_done > size:
            raise ValueError(f"tasks_done {self.tasks_done} is more than the bench's {size} tasks")
        actual = hparams_hash(self.method.hparams)
        if self.method.hparams_hash != actual:
            raise ValueError(f"method.hparams_hash {self.method.hparams_hash} is not the hash of its hparams ({actual})")
        schedule = self._schedule(size)
        expected = run_stem(self.method.name, self.method.hparams_hash, self.bench.profile, self.seed, self.order_seed, schedule.every)
        if self.run_key != expected:
            raise ValueError(f"run_key {self.run_key[:120]!r} does not match its method, hparams hash, profile, seed and eval_rows ({expected})")
        full_rows = set(schedule.full_rows(size))
        for name, entry in self.metrics.items():
            _check_matrix(entry.matrix, size, self.tasks_done, f"metrics.{name}.matrix", full_rows)
        for name, matrix in (self.details or {}).items():
            _check_shape(matrix, size, f"details.{name}")
            _above_diagonal_null(matrix, f"details.{name}")
        missing = [name for name in self.bench.headline if name not in self.metrics]
        if missing:
            raise ValueError(f"headline metric {missing[0]} has no score matrix")
        if self.status == "complete":
            if self.tasks_done != size:
                raise ValueError(f"a complete record must have done all {size} tasks, not {self.tasks_done}")
            if self.summary is None:
                raise ValueError("a complete record must have a summary")
        self._check_lengths(size)
        return self

    def _schedule(self, size: int) -> EvalSchedule:
        if self.eval_rows is None:
            return EvalSchedule()
        try:
            schedule = parse_schedule(self.eval_rows.schedule, "eval_rows.schedule")
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        if self.eval_rows.full_rows != schedule.full_rows(size):
            raise ValueError(f"eval_rows.full_rows must be {schedule.full_rows(size)} for schedule {schedule.name} on {size} tasks")
        return schedule

    def _check_lengths(self, size: int) -> None:
        lists = {"checkpoint_sha256": self.checkpoint_sha256, "adapters": self.adapters, "timing.per_task": self.timing and self.timing.per_task}
        if self.parameters is not None:
            lists |= {"parameters.trained_fraction": self.parameters.trained_fraction, "parameters.stored_fraction": self.parameters.stored_fraction}
        for field, values in lists.items():
            if values is not None and len(values) > size:
                raise ValueError(f"{field} has {len(values)} entries, more than the bench's {size} tasks")
        for index, path in enumerate(self.adapters or []):
            if not path.startswith(f"{self.run_key}.adapters/"):
                raise ValueError(f"adapters[{index}] {path[:120]!r} must lie in this run's folder {self.run_key}.adapters/")
        for index, segment in enumerate(self.environment_history or []):
            if segment.from_task > size:
                raise ValueError(f"environment_history[{index}].from_task {segment.from_task} is more than the bench's {size} tasks")


def _check_shape(matrix: list[list[Any]], size: int, field: str) -> None:
    if len(matrix) != size or any(len(row) != size for row in matrix):
        raise ValueError(f"{field} must be a {size}x{size} matrix (one row and one column per task)")


def _above_diagonal_null(matrix: list[list[Any]], field: str) -> None:
    for t, row in enumerate(matrix):
        for i in range(t + 1, len(row)):
            if row[i] is not None:
                raise ValueError(f"{field}[{t}][{i}] is above the diagonal and must be null")


def _check_matrix(matrix: Matrix, size: int, tasks_done: int, field: str, full_rows: set[int]) -> None:
    _check_shape(matrix, size, field)
    _above_diagonal_null(matrix, field)
    for t, row in enumerate(matrix[:tasks_done]):
        for i in range(t + 1):
            if t in full_rows or i == t:
                if row[i] is None:
                    raise ValueError(f"{field}[{t}][{i}] = null must be a finite number (task {t + 1} is done)")
            elif row[i] is not None:
                raise ValueError(f"{field}[{t}][{i}] = {row[i]!r} must be null: row {t} is not evaluated in full (eval_rows)")
