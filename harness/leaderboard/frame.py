"""Run records as pandas frames: one row per (run, metric), and the score matrices in long form.

Built on `load.py`, which reads, validates and groups the records, so the leaderboard,
`harness compare`, `harness export` and a notebook (through `harness.results`) all see the same
numbers. Aggregates are recomputed from each run's matrices (never read from its stored summary).
"""

from __future__ import annotations

import json
import math

import pandas as pd

from harness.leaderboard.load import BenchTable, TableKey
from harness.leaderboard.stats import CONFIDENCE, exact_mean_std as _exact_mean_std, t_half_width
from metrics.continual import DRIFT_DEFINITIONS, FORGETTING_DEFINITIONS

AGGREGATES = ("average", "average_incremental", *FORGETTING_DEFINITIONS, *DRIFT_DEFINITIONS)  # a record's summary
JUST_LEARNED = "just_learned"  # mean of the diagonal R[i][i]: each task's score right after it was learned
FRAME_AGGREGATES = (*AGGREGATES, JUST_LEARNED)  # the summary's and what the leaderboard adds, one column each
TABLE_COLUMNS = ("collection", "bench", "version", "spec_hash", "profile")
ROW_COLUMNS = (*TABLE_COLUMNS, "method", "hparams_hash")
RUN_COLUMNS = (*ROW_COLUMNS, "track", "hparams", "seed", "status", "harness_version", "record")
RECORD_COLUMNS = (*RUN_COLUMNS, "metric", "higher_is_better", *FRAME_AGGREGATES, "matrix")
MATRIX_COLUMNS = (*RUN_COLUMNS, "metric", "higher_is_better", "t", "i", "task", "value")


def _run_fields(collection: str, key: TableKey, table: BenchTable, method: str, hparams_hash: str, hparams: dict, run) -> dict:
    return {
        "collection": collection, "bench": key.bench, "version": key.version, "spec_hash": key.spec_hash, "profile": key.profile,
        "method": method, "hparams_hash": hparams_hash, "track": table.track, "hparams": json.dumps(hparams, sort_keys=True),
        "seed": run.seed, "status": run.status, "harness_version": run.harness_version, "record": str(run.path),
    }


def diagonal_mean(matrix: list[list]) -> float:
    """Mean of R[i][i] over the tasks scored right after they were learned (NaN when none was)."""
    values = [row[i] for i, row in enumerate(matrix) if i < len(row) and row[i] is not None]
    return math.fsum(values) / len(values) if len(values) == len(matrix) and values else math.nan


def _typed(frame: pd.DataFrame, numeric: tuple[str, ...]) -> pd.DataFrame:
    frame = frame.astype({"version": "int64", "seed": "int64", "higher_is_better": "bool"})
    return frame.astype({name: "float64" for name in numeric})


def records_frame(tables: dict[TableKey, BenchTable], collection: str = "runs") -> pd.DataFrame:
    """One row per (run, metric): the run's identity, each aggregate (NaN where undefined, e.g.
    an unfinished run) and its score matrix (a list of rows, None above the diagonal)."""
    rows = []
    for key, table in tables.items():
        for row in table.rows.values():
            for run in row.runs:
                fields = _run_fields(collection, key, table, row.method, row.row_hash, row.hparams, run)
                for metric, info in table.metrics.items():
                    summary = run.summary.get(metric, {})
                    rows.append({**fields, "metric": metric, "higher_is_better": info.higher_is_better,
                                 **{name: summary.get(name) for name in AGGREGATES},
                                 JUST_LEARNED: diagonal_mean(run.matrices[metric]) if summary else math.nan, "matrix": run.matrices[metric]})
    return _typed(pd.DataFrame(rows, columns=list(RECORD_COLUMNS)), FRAME_AGGREGATES)


def matrices_frame(tables: dict[TableKey, BenchTable], collection: str = "runs") -> pd.DataFrame:
    """Long form: one row per (run, metric, t, i) with i <= t < tasks done; R[t][i] in `value`
    (0-based t = after learning task t, i = evaluated task i, `task` its name)."""
    rows = []
    for key, table in tables.items():
        for row in table.rows.values():
            for run in row.runs:
                fields = _run_fields(collection, key, table, row.method, row.row_hash, row.hparams, run)
                for metric, info in table.metrics.items():
                    for t, scores in enumerate(run.matrices[metric]):
                        for i in range(t + 1):
                            if scores[i] is not None:
                                rows.append({**fields, "metric": metric, "higher_is_better": info.higher_is_better, "t": t, "i": i,
                                             "task": table.tasks[i] if i < len(table.tasks) else "", "value": scores[i]})
    frame = _typed(pd.DataFrame(rows, columns=list(MATRIX_COLUMNS)), ("value",))
    return frame.astype({"t": "int64", "i": "int64"})


def seed_statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """Long form, indexed by (table, method, hparams hash, metric, aggregate): mean, sample std
    (ddof 1), n and the 95% Student-t interval over seeds. NaN when any seed lacks the value
    (e.g. forgetting of a one-task bench); std and interval NaN for one seed."""
    keys = [*ROW_COLUMNS, "metric"]
    values = frame[list(FRAME_AGGREGATES)].to_numpy(dtype=float)
    rows = []
    for key, positions in frame.groupby(keys, sort=False).indices.items():
        group = values[positions]
        for column, aggregate in enumerate(FRAME_AGGREGATES):
            rows.append((*key, aggregate, *_exact_mean_std(group[:, column]), len(positions)))
    long = pd.DataFrame(rows, columns=[*keys, "aggregate", "mean", "std", "n"])
    half = t_half_width(long["std"].to_numpy(), long["n"].to_numpy())
    long["ci_low"], long["ci_high"] = long["mean"] - half, long["mean"] + half
    return long.set_index([*keys, "aggregate"])
