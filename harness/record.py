"""Run records: one JSON file per run, written atomically, checked against the one schema.

The schema (fields, types, ranges, cross-field rules) is harness/record_schema.py. Every read and
every write validates the whole record; a bad one is one UsageError line naming the file and
the first bad field. Only "complete" records reach a leaderboard.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.errors import UsageError
from harness.file_modes import apply_umask
from harness.names import check_name
from harness.record_schema import SCHEMA_VERSION, STATUSES, RunRecord, run_stem
from core.validation_text import first_problem

__all__ = ["RunRecord", "load_record", "SCHEMA_VERSION", "STATUSES", "run_stem", "record_path", "checkpoint_dir", "write_record", "read_record", "validate_record"]


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


def validated(record: Any, path: Path) -> RunRecord:
    """The typed record, or one UsageError line naming `path` and the first bad field."""
    if not isinstance(record, dict):
        raise UsageError(f"run record {path} is not a JSON object: delete it or rerun with --force")
    version = record.get("schema_version")
    if type(version) is not int or version != SCHEMA_VERSION:
        raise UsageError(f"run record {path} has schema version {repr(version)[:40]}; this harness reads version {SCHEMA_VERSION}")
    try:
        return RunRecord.model_validate(record)
    except ValidationError as exc:
        raise UsageError(f"run record {path}: {first_problem(exc)}") from None


def validate_record(record: Any, path: Path) -> dict[str, Any]:
    """`record` itself (a dict) once `validated` accepts it."""
    validated(record, path)
    return record


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a finite number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    repeated = next((key for key in keys if keys.count(key) > 1), None)
    if repeated is not None:
        raise ValueError(f"key {repeated[:60]!r} appears twice in one object")
    return dict(pairs)


def parse_json(text: str, path: Path, what: str = "run record") -> Any:
    """JSON text -> value; NaN and Infinity literals, repeated keys and absurd nesting are refused."""
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{what} {path} is not valid JSON ({exc.msg} at line {exc.lineno}): delete it or rerun with --force") from None
    except ValueError as exc:
        raise UsageError(f"{what} {path} holds {exc}: delete it or rerun with --force") from None
    except RecursionError:
        raise UsageError(f"{what} {path} is nested too deeply to be a run record") from None


def parse_record_text(text: str, path: Path) -> dict[str, Any]:
    """JSON text -> validated record (a dict)."""
    return validate_record(parse_json(text, path), path)


def _text(path: Path) -> str:
    try:
        return Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read run record {path}: {getattr(exc, 'strerror', None) or exc}") from None


def read_record(path: Path) -> dict[str, Any]:
    """A validated record as a dict (for code that updates it), or one UsageError line naming the file."""
    return parse_record_text(_text(path), Path(path))


def load_record(path: Path) -> RunRecord:
    """A validated record as the typed model (for readers), or one UsageError line naming the file."""
    return validated(parse_json(_text(path), Path(path)), Path(path))
