"""Run records as data: pandas frames for notebooks, `harness compare` and `harness export`.

    from harness.results import load_records, load_matrices
    frame = load_records("results")                      # one row per (run, metric)
    frame.groupby(["bench", "method", "metric"])["average"].agg(["mean", "std", "count"])
    long = load_matrices("results")                      # one row per (run, metric, t, i)

`path` is a results folder (its `runs/` and `sweeps/` collections, told apart by the
`collection` column), any folder of record JSON files, or one record file. Records are read and
validated by the leaderboard's loader: a malformed record is skipped with a warning naming it.
Aggregates are recomputed from each run's score matrices; see metrics/continual.py.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable, Optional, Union

import pandas as pd

from core.errors import UsageError
from harness.leaderboard.frame import AGGREGATES, MATRIX_COLUMNS, RECORD_COLUMNS, matrices_frame, records_frame
from harness.leaderboard.load import BenchTable, TableKey, load_record_files
from harness.record_schema import ANY_STATUS, STATUSES

# collection name -> where its records live (a sweep's folder also holds its runs' checkpoints)
COLLECTIONS = {"runs": "runs", "sweeps": "sweeps/runs"}
PathLike = Union[str, Path]
Warn = Callable[[str], None]


class RecordWarning(UserWarning):
    """A record that was skipped (named in the message)."""


def _python_warning(message: str) -> None:
    warnings.warn(message, RecordWarning, stacklevel=3)


def _statuses(status: str) -> tuple[str, ...]:
    if status == ANY_STATUS:
        return STATUSES
    if status not in STATUSES:
        raise UsageError(f"status {status!r} is not one of {', '.join((*STATUSES, ANY_STATUS))}")
    return (status,)


def collections(path: PathLike) -> list[tuple[str, list[Path]]]:
    """(collection name, record files) for a results folder, a folder of records or one file."""
    path = Path(path)
    if path.is_file():
        folder = path.parent.parent.as_posix()
        longest_first = sorted(COLLECTIONS.items(), key=lambda item: -len(item[1]))  # sweeps/runs before runs
        owner = next((name for name, where in longest_first if folder == where or folder.endswith(f"/{where}")), "records")
        return [(owner, [path])]
    if not path.is_dir():
        raise UsageError(f"{path} is neither a results folder nor a run record: pass the folder that holds runs/ (default: results)")
    named = [(name, sorted((path / where).rglob("*.json"))) for name, where in COLLECTIONS.items() if (path / where).is_dir()]
    return named or [(path.name or "records", sorted(path.rglob("*.json")))]


def load_tables(path: PathLike, status: str = "complete", warn: Optional[Warn] = None) -> list[tuple[str, dict[TableKey, BenchTable]]]:
    statuses = _statuses(status)
    return [(name, load_record_files(files, warn or _python_warning, statuses)) for name, files in collections(path)]


def load_records(path: PathLike = "results", status: str = "complete", warn: Optional[Warn] = None) -> pd.DataFrame:
    """One row per (run, metric): collection, bench, version, spec_hash, profile, method,
    hparams_hash, track, hparams (JSON), seed, status, harness_version, record (path), metric,
    higher_is_better, one column per aggregate, and matrix (the T x T score matrix).
    `status` is complete (default), running, failed or any; unfinished runs have NaN aggregates."""
    frames = [records_frame(tables, name) for name, tables in load_tables(path, status, warn)]
    frames = [frame for frame in frames if len(frame)]
    return pd.concat(frames, ignore_index=True) if frames else records_frame({})


def load_matrices(path: PathLike = "results", status: str = "complete", warn: Optional[Warn] = None) -> pd.DataFrame:
    """The score matrices in long form: the run columns of `load_records` plus metric,
    higher_is_better, t (after learning task t, 0-based), i (evaluated task, 0-based), task (its
    name) and value = R[t][i]. Only filled cells (i <= t, tasks done) appear."""
    frames = [matrices_frame(tables, name) for name, tables in load_tables(path, status, warn)]
    frames = [frame for frame in frames if len(frame)]
    return pd.concat(frames, ignore_index=True) if frames else matrices_frame({})


__all__ = ["load_records", "load_matrices", "AGGREGATES", "RECORD_COLUMNS", "MATRIX_COLUMNS", "RecordWarning"]
