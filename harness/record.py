"""Run records: one JSON file per run, written atomically, with a versioned schema.

Schema (version 1):
  schema_version, status ("running" | "complete" | "failed"), error (str | null),
  run_key, bench {name, version, spec_hash, profile, track, tasks},
  method {name, hparams, hparams_hash}, seed, order_seed (optional: a concept bench's shuffled task order),
  environment {harness_version, git_commit, python, packages, device, platform},
  tasks_done, timing {setup_s, per_task: [{train_s, eval_s, checkpoint_s}], total_s},
  evaluation {...evaluator facts, e.g. judge cache key and test accuracy},
  metrics {name: {higher_is_better, description, matrix: T x T with null above the diagonal}},
  details {name: T x T matrix of per-task breakdowns a metric chose to keep} (optional, e.g.
    bits_per_dim's per-timestep-range terms),
  summary {name: {average, average_incremental, forgetting_*}}   (complete records only),
  samples (optional): file name, beside the record, of a PNG grid of the final samples,
  created_at, updated_at (UTC ISO 8601).
Only "complete" records reach a leaderboard.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from harness.errors import UsageError

SCHEMA_VERSION = 1
STATUSES = ("running", "complete", "failed")
REQUIRED_KEYS = ("schema_version", "status", "run_key", "bench", "method", "seed", "tasks_done", "metrics")


def run_stem(method: str, hparams_hash: str, profile: str, seed: int, order_seed: int | None = None) -> str:
    order = "" if order_seed is None else f"-order{order_seed}"  # a task order other than the bench's
    return f"{method}-{hparams_hash}-{profile}-seed{seed}{order}"


def record_path(results_dir: Path, bench: str, method: str, hparams_hash: str, profile: str, seed: int, order_seed: int | None = None) -> Path:
    return Path(results_dir) / "runs" / bench / f"{run_stem(method, hparams_hash, profile, seed, order_seed)}.json"


def checkpoint_dir(results_dir: Path, bench: str, method: str, hparams_hash: str, profile: str, seed: int, order_seed: int | None = None) -> Path:
    return Path(results_dir) / "checkpoints" / bench / run_stem(method, hparams_hash, profile, seed, order_seed)


def write_record(path: Path, record: dict[str, Any]) -> None:
    """Atomic: a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, indent=1, sort_keys=True, allow_nan=False) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def validate_record(record: Any, path: Path) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise UsageError(f"run record {path} is not a JSON object: delete it or rerun with --force")
    version = record.get("schema_version")
    if version != SCHEMA_VERSION:
        raise UsageError(f"run record {path} has schema version {version!r}; this harness reads version {SCHEMA_VERSION}")
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        raise UsageError(f"run record {path} lacks {', '.join(missing)}: it is corrupt; delete it or rerun with --force")
    if record["status"] not in STATUSES:
        raise UsageError(f"run record {path} has unknown status {record['status']!r}; expected one of {', '.join(STATUSES)}")
    return record


def read_record(path: Path) -> dict[str, Any]:
    """A validated record, or one UsageError line naming the file and what is wrong."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise UsageError(f"cannot read run record {path}: {exc.strerror or exc}") from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"run record {path} is not valid JSON ({exc.msg} at line {exc.lineno}): delete it or rerun with --force") from None
    return validate_record(record, Path(path))
