"""Every check a run record must pass, on reading (leaderboard, show, resume) and on writing.

Records are untrusted input: a leaderboard merges records that others send in. A record that
passes here has safe names in every field that reaches a path, an `hparams_hash` that is the
hash of its `hparams`, JSON booleans where booleans belong, finite numbers only, square T x T
score matrices (T = its number of tasks) and a bare `samples` file name beside the record.
Each failure is one UsageError line naming the file and the field.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.eval_schedule import EvalSchedule, parse_schedule
from harness.hparams import hparams_hash
from harness.names import TASK_NAME_TEXT, is_safe_name, is_task_name

SCHEMA_VERSION = 1
STATUSES = ("running", "complete", "failed")
ANY_STATUS = "any"  # a filter value meaning every status (`harness export --status any`)
REQUIRED_KEYS = ("schema_version", "status", "run_key", "bench", "method", "seed", "tasks_done", "metrics")
HEX = re.compile(r"[0-9a-f]{1,64}")
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_TASKS = 1000


class _Bad(Exception):
    """One problem with a record field; turned into a UsageError naming the file."""


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise _Bad(problem)


def _is_int(value: Any) -> bool:
    return type(value) is int


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _name(value: Any, field: str) -> str:
    _require(is_safe_name(value), f"{field} {value!r} is not a safe name ([a-z0-9][a-z0-9._-]*)")
    return value


def run_stem(method: str, hparams_hash_: str, profile: str, seed: int, order_seed: int | None = None, eval_every: int = 1) -> str:
    order = "" if order_seed is None else f"-order{order_seed}"  # a task order other than the bench's
    rows = "" if eval_every == 1 else f"-every{eval_every}"  # a sparse evaluation schedule
    return f"{method}-{hparams_hash_}-{profile}-seed{seed}{order}{rows}"


def _check_bench(bench: Any) -> int:
    _require(isinstance(bench, dict), "bench must be an object")
    _name(bench.get("name"), "bench.name")
    _name(bench.get("profile"), "bench.profile")
    _require(_is_int(bench.get("version")), f"bench.version {bench.get('version')!r} must be an integer")
    _require(isinstance(bench.get("spec_hash"), str) and HEX.fullmatch(bench["spec_hash"]) is not None,
             f"bench.spec_hash {bench.get('spec_hash')!r} must be a hex string")
    tasks = bench.get("tasks")
    _require(isinstance(tasks, list) and 0 < len(tasks) <= MAX_TASKS, "bench.tasks must be a non-empty list")
    for task in tasks:
        _require(is_task_name(task), f"bench task name {task!r} must match {TASK_NAME_TEXT}")
    if bench.get("track") is not None:
        _name(bench["track"], "bench.track")
    if "min_seeds" in bench:
        _require(_is_int(bench["min_seeds"]) and bench["min_seeds"] >= 1, f"bench.min_seeds {bench['min_seeds']!r} must be an integer >= 1")
    headline = bench.get("headline", [])
    _require(isinstance(headline, list), "bench.headline must be a list of metric names")
    for name in headline:
        _name(name, "bench.headline metric")
    return len(tasks)


def _check_method(method: Any) -> None:
    _require(isinstance(method, dict), "method must be an object")
    _name(method.get("name"), "method.name")
    _require(isinstance(method.get("hparams"), dict), "method.hparams must be an object")
    stored = method.get("hparams_hash")
    _require(isinstance(stored, str) and HEX.fullmatch(stored) is not None, f"method.hparams_hash {stored!r} must be a hex string")
    actual = hparams_hash(method["hparams"])
    _require(stored == actual, f"method.hparams_hash {stored} is not the hash of its hparams ({actual})")


def _check_matrix(matrix: Any, size: int, tasks_done: int, field: str, full_rows: set[int]) -> None:
    _require(isinstance(matrix, list) and len(matrix) == size and all(isinstance(row, list) and len(row) == size for row in matrix),
             f"{field} must be a {size}x{size} matrix (one row and one column per task)")
    for t, row in enumerate(matrix):
        for i, value in enumerate(row):
            if t < tasks_done and i < t and t not in full_rows:
                _require(value is None, f"{field}[{t}][{i}] = {value!r} must be null: row {t} is not evaluated in full (eval_rows)")
            elif i > t or t >= tasks_done:
                _require(value is None or _is_number(value), f"{field}[{t}][{i}] = {value!r} must be null or a finite number")
                _require(i <= t or value is None, f"{field}[{t}][{i}] is above the diagonal and must be null")
            else:
                _require(_is_number(value), f"{field}[{t}][{i}] = {value!r} must be a finite number (task {t + 1} is done)")


def _check_metrics(metrics: Any, size: int, tasks_done: int, headline: list[str], full_rows: set[int]) -> None:
    _require(isinstance(metrics, dict) and metrics, "metrics must be a non-empty object")
    for name, entry in metrics.items():
        _name(name, "metric name")
        _require(isinstance(entry, dict), f"metrics.{name} must be an object")
        _require(type(entry.get("higher_is_better")) is bool, f"metrics.{name}.higher_is_better {entry.get('higher_is_better')!r} must be true or false")
        _require(isinstance(entry.get("description", ""), str), f"metrics.{name}.description must be a string")
        _check_matrix(entry.get("matrix"), size, tasks_done, f"metrics.{name}.matrix", full_rows)
    missing = [name for name in headline if name not in metrics]
    _require(not missing, f"headline metric {missing[0] if missing else ''} has no score matrix")


def _check_environment(environment: Any, field: str) -> None:
    _require(isinstance(environment, dict), f"{field} must be an object, got {json.dumps(environment)}")
    version = environment.get("harness_version")
    _require(version is None or isinstance(version, str), f"{field}.harness_version must be a string")


def _check_optional(record: dict[str, Any], size: int) -> None:
    samples = record.get("samples")
    if samples is not None:
        _require(is_safe_name(samples) and samples.endswith(".png"),
                 f"samples {samples!r} must be the bare file name of a PNG beside the record (no folder)")
    hashes = record.get("checkpoint_sha256")
    if hashes is not None:
        _require(isinstance(hashes, list) and len(hashes) <= size and all(h is None or (isinstance(h, str) and SHA256.fullmatch(h)) for h in hashes),
                 "checkpoint_sha256 must be a list of sha256 hex digests, one per finished task")
    history = record.get("environment_history")
    if history is not None:
        _require(isinstance(history, list), "environment_history must be a list")
        for index, segment in enumerate(history):
            _require(isinstance(segment, dict) and _is_int(segment.get("from_task")) and 0 <= segment["from_task"] <= size,
                     f"environment_history[{index}] must have an integer from_task between 0 and {size}")
            _check_environment(segment.get("environment"), f"environment_history[{index}].environment")
    for key in ("summary", "timing", "evaluation", "details"):
        _require(record.get(key) is None or isinstance(record[key], dict), f"{key} must be an object or null")
    _require(record.get("error") is None or isinstance(record["error"], str), "error must be a string or null")


def _check_eval_rows(block: Any, size: int) -> EvalSchedule:
    if block is None:
        return EvalSchedule()
    _require(isinstance(block, dict) and set(block) == {"schedule", "full_rows"}, "eval_rows must be an object with schedule and full_rows")
    try:
        schedule = parse_schedule(block["schedule"], "eval_rows.schedule")
    except UsageError as exc:
        raise _Bad(str(exc)) from None
    _require(block["full_rows"] == schedule.full_rows(size), f"eval_rows.full_rows must be {schedule.full_rows(size)} for schedule {schedule.name} on {size} tasks")
    return schedule


def _check(record: dict[str, Any]) -> None:
    size = _check_bench(record["bench"])
    _check_method(record["method"])
    seed, tasks_done = record["seed"], record["tasks_done"]
    _require(_is_int(seed) and 0 <= seed < 2**32, f"seed {seed!r} must be an integer in [0, 2**32)")
    _require(_is_int(tasks_done) and 0 <= tasks_done <= size, f"tasks_done {tasks_done!r} must be an integer between 0 and {size}")
    bench, method = record["bench"], record["method"]
    order_seed = record.get("order_seed")
    _require(order_seed is None or (_is_int(order_seed) and 0 <= order_seed < 2**32), f"order_seed {order_seed!r} must be null or an integer in [0, 2**32)")
    schedule = _check_eval_rows(record.get("eval_rows"), size)
    expected = run_stem(method["name"], method["hparams_hash"], bench["profile"], seed, order_seed, schedule.every)
    _require(record["run_key"] == expected, f"run_key {record['run_key']!r} does not match its method, hparams hash, profile, seed and eval_rows ({expected})")
    _check_environment(record.get("environment"), "environment")
    _check_metrics(record["metrics"], size, tasks_done, list(bench.get("headline", [])), set(schedule.full_rows(size)))
    if record["status"] == "complete":
        _require(tasks_done == size, f"a complete record must have done all {size} tasks, not {tasks_done}")
        _require(isinstance(record.get("summary"), dict), "a complete record must have a summary")
    _check_optional(record, size)


def validate_record(record: Any, path: Path) -> dict[str, Any]:
    """`record` if every check passes, else one UsageError line naming `path` and what is wrong."""
    if not isinstance(record, dict):
        raise UsageError(f"run record {path} is not a JSON object: delete it or rerun with --force")
    version = record.get("schema_version")
    if type(version) is not int or version != SCHEMA_VERSION:
        raise UsageError(f"run record {path} has schema version {version!r}; this harness reads version {SCHEMA_VERSION}")
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        raise UsageError(f"run record {path} lacks {', '.join(missing)}: it is corrupt; delete it or rerun with --force")
    if record["status"] not in STATUSES:
        raise UsageError(f"run record {path} has unknown status {record['status']!r}; expected one of {', '.join(STATUSES)}")
    try:
        _check(record)
    except _Bad as exc:
        raise UsageError(f"run record {path}: {exc}") from None
    return record


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a finite number")


def parse_record_text(text: str, path: Path) -> dict[str, Any]:
    """JSON text -> validated record; NaN and Infinity literals are refused wherever they appear."""
    try:
        record = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise UsageError(f"run record {path} is not valid JSON ({exc.msg} at line {exc.lineno}): delete it or rerun with --force") from None
    except ValueError as exc:
        raise UsageError(f"run record {path} holds {exc}: delete it or rerun with --force") from None
    return validate_record(record, path)
