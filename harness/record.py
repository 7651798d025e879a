"""Run records: one JSON file per run, written atomically, with a versioned schema.

Schema (version 1; every field is checked by harness/record_validation.py):
  schema_version, status ("running" | "complete" | "failed"), error (str | null),
  run_key, bench {name, version, spec_hash, profile, track, tasks},
  method {name, hparams, hparams_hash}, seed, order_seed (optional: a concept bench's shuffled task order),
  environment {harness_version, git_commit, python, packages, device, platform},
  tasks_done, timing {setup_s, per_task: [{train_s, eval_s, checkpoint_s}], total_s},
  evaluation {...evaluator facts, e.g. judge cache key and test accuracy},
  metrics {name: {higher_is_better, description, matrix: T x T with null above the diagonal}},
  eval_rows (optional, sparse schedules only): {schedule: "every-K", full_rows: [0-based rows scored in
    full]}; other rows hold only their diagonal entry (harness/eval_schedule.py); absent: every row,
  details {name: T x T matrix of per-task breakdowns a metric chose to keep} (optional, e.g.
    bits_per_dim's per-timestep-range terms),
  summary {name: {average, average_incremental, forgetting_*}}   (complete records only; null where
    a sparse schedule lacks the rows an aggregate reads, metrics/continual.py NEEDS),
  samples (optional): bare file name, beside the record, of a PNG grid of the final samples,
  checkpoint_sha256 (optional): per finished task, the sha256 of its checkpoint's tensor file,
  environment_history (optional): [{from_task, environment}], one segment per environment a
    resumed run ran in (the first is the one it started in),
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
from harness.file_modes import apply_umask
from harness.names import check_name
from harness.record_validation import REQUIRED_KEYS, SCHEMA_VERSION, STATUSES, parse_record_text, run_stem, validate_record

__all__ = ["REQUIRED_KEYS", "SCHEMA_VERSION", "STATUSES", "run_stem", "record_path", "checkpoint_dir", "write_record", "read_record", "validate_record"]


def _run_parts(bench: str, method: str, hparams_hash: str, profile: str, seed: int, order_seed: int | None = None, eval_every: int = 1) -> str:
    for value, what in ((bench, "bench name"), (method, "method name"), (hparams_hash, "hparams hash"), (profile, "profile name")):
        check_name(value, what, "run key")
    for value, what in ((seed, "seed"), (order_seed, "order seed")):
        if value is not None and (type(value) is not int or not 0 <= value < 2**32):
            raise UsageError(f"{what} {value!r} must be an integer in [0, 2**32)")
    if type(eval_every) is not int or not 1 <= eval_every <= 9999:
        raise UsageError(f"evaluation schedule every-{eval_every!r} must have a whole number from 1 to 9999")
    return run_stem(method, hparams_hash, profile, seed, order_seed, eval_every)


def record_path(results_dir: Path, bench: str, method: str, hparams_hash: str, profile: str, seed: int, order_seed: int | None = None,
                eval_every: int = 1) -> Path:
    return Path(results_dir) / "runs" / bench / f"{_run_parts(bench, method, hparams_hash, profile, seed, order_seed, eval_every)}.json"


def checkpoint_dir(results_dir: Path, bench: str, method: str, hparams_hash: str, profile: str, seed: int, order_seed: int | None = None,
                   eval_every: int = 1) -> Path:
    return Path(results_dir) / "checkpoints" / bench / _run_parts(bench, method, hparams_hash, profile, seed, order_seed, eval_every)


def checkpoint_dir_of(record: Path) -> Path:
    """The checkpoint folder of the run whose record is at `record` (see `checkpoint_dir`)."""
    return record.parents[2] / "checkpoints" / record.parent.name / record.stem


def write_record(path: Path, record: dict[str, Any]) -> None:
    """Validated, then atomic: a reader sees the old file or the new one, never half of one.

    The file gets the user's umask (mkstemp alone would make it private), so a group-shared
    results folder stays readable by the group."""
    validate_record(record, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, indent=1, sort_keys=True, allow_nan=False) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
            stream.flush()
            apply_umask(stream.fileno())
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_record(path: Path) -> dict[str, Any]:
    """A validated record, or one UsageError line naming the file and what is wrong."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read run record {path}: {getattr(exc, 'strerror', None) or exc}") from None
    return parse_record_text(text, Path(path))
