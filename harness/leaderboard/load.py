"""Complete run records, read and grouped into leaderboard rows.

A row is one (bench, bench version, spec hash, profile, method, hparams hash): its seeds are
averaged. Records of different bench versions, spec hashes or profiles never share a row (nor a
table). Records are untrusted: each is checked by harness/record_validation.py (safe names, hparams
hash, booleans, finite numbers, matrix shapes); a record that fails is named by path in one
warning line and skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from harness.errors import UsageError
from harness.eval_schedule import schedule_of_record
from harness.record import read_record
from metrics.continual import summarize

Warn = Callable[[str], None]


@dataclass(frozen=True, order=True)
class TableKey:
    """One leaderboard table: a bench at one version and spec hash, under one profile."""

    bench: str
    version: int
    spec_hash: str
    profile: str

    @property
    def slug(self) -> str:
        return f"{self.bench}-v{self.version}-{self.profile}-{self.spec_hash[:8]}"


@dataclass(frozen=True)
class MetricInfo:
    name: str
    higher_is_better: bool
    description: str


@dataclass
class Run:
    """What the leaderboard keeps of one complete record."""

    path: Path
    seed: int
    harness_version: str
    matrices: dict[str, list[list[Optional[float]]]]
    summary: dict[str, dict[str, Optional[float]]]
    samples: Optional[Path]
    status: str = "complete"
    parameters: dict[str, Any] = field(default_factory=dict)  # t2i: trained / stored fraction of the UNet after each task


@dataclass
class MeasuredRow:
    method: str
    hparams: dict[str, Any]
    hparams_hash: str
    runs: list[Run] = field(default_factory=list)
    eval_every: int = 1  # > 1: evaluated on a sparse schedule (harness/eval_schedule.py); a row of its own

    @property
    def row_hash(self) -> str:
        """The hparams hash, marked with the schedule when it is sparse: the row's identity in frames."""
        return self.hparams_hash if self.eval_every == 1 else f"{self.hparams_hash}-every{self.eval_every}"

    @property
    def row_id(self) -> str:
        return f"{self.method}-{self.row_hash}"

    @property
    def seeds(self) -> list[int]:
        return [run.seed for run in self.runs]


@dataclass
class BenchTable:
    key: TableKey
    track: str
    tasks: list[str]
    headline: list[str]
    min_seeds: int
    metrics: dict[str, MetricInfo]
    rows: dict[tuple[str, str, int], MeasuredRow] = field(default_factory=dict)  # (method, hparams hash, eval_every)


def _run_of(record: dict[str, Any], path: Path) -> Run:
    """The record's matrices and the aggregates recomputed from them (never its stored summary;
    none for an unfinished run, whose matrices are partly empty)."""
    matrices, summary = {}, {}
    for name, entry in record["metrics"].items():
        try:
            if record["status"] == "complete":
                summary[name] = summarize(entry["matrix"], bool(entry["higher_is_better"]))
        except (ValueError, TypeError, KeyError) as exc:
            raise UsageError(f"run record {path}: metric {name} has a broken score matrix ({exc})") from None
        matrices[name] = entry["matrix"]
    return Run(
        path=path,
        seed=int(record["seed"]),
        harness_version=str(record.get("environment", {}).get("harness_version", "unknown")),
        matrices=matrices,
        summary=summary,
        samples=_samples_beside(record, path),
        status=str(record["status"]),
        parameters=dict(record.get("parameters") or {}),
    )


def _samples_beside(record: dict[str, Any], path: Path) -> Optional[Path]:
    """The record's sample grid: a bare name (checked by record_validation) of a regular file
    beside it; a symbolic link could point anywhere, so it is refused like a missing file."""
    name = record.get("samples")
    if not name:
        return None
    grid = path.parent / name
    if grid.is_symlink():
        raise UsageError(f"run record {path}: its sample grid {grid} is a symbolic link; only a regular file beside the record is published")
    return grid


def _table_of(record: dict[str, Any], path: Path) -> BenchTable:
    bench = record["bench"]
    try:
        key = TableKey(str(bench["name"]), int(bench["version"]), str(bench["spec_hash"]), str(bench["profile"]))
        metrics = {
            name: MetricInfo(name, bool(entry["higher_is_better"]), str(entry.get("description", "")))
            for name, entry in sorted(record["metrics"].items())
        }
        headline = [str(name) for name in bench.get("headline") or list(metrics)[:1]]
        table = BenchTable(key, str(bench.get("track", "")), [str(t) for t in bench["tasks"]], headline, int(bench.get("min_seeds", 3)), metrics)
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"run record {path}: malformed bench or metrics section ({type(exc).__name__}: {exc})") from None
    missing = [name for name in table.headline if name not in metrics]
    if missing:
        raise UsageError(f"run record {path}: headline metric {missing[0]} has no score matrix")
    return table


def load_runs(results_dir: Path, warn: Warn, collection: str = "runs") -> dict[TableKey, BenchTable]:
    """Every complete record under `results_dir/<collection>` (runs, or sweeps), grouped by table
    and row, in a fixed order."""
    return load_record_files(sorted((Path(results_dir) / collection).rglob("*.json")), warn)


def load_record_files(paths: list[Path], warn: Warn, statuses: tuple[str, ...] = ("complete",)) -> dict[TableKey, BenchTable]:
    """The records at `paths` whose status is one of `statuses`, grouped by table and row."""
    tables: dict[TableKey, BenchTable] = {}
    for path in paths:
        try:
            record = read_record(path)
            if record["status"] not in statuses:
                continue
            fresh = _table_of(record, path)
            run = _run_of(record, path)
            method = record["method"]
            row_key = (str(method["name"]), str(method["hparams_hash"]), schedule_of_record(record).every)
            hparams = dict(method.get("hparams", {}))
        except UsageError as exc:
            reason = str(exc).replace(f"run record {path}: ", "").replace(f"run record {path} ", "")
            warn(f"skipping run record {path}: {reason}")
            continue
        except (KeyError, TypeError, ValueError) as exc:
            warn(f"skipping run record {path}: malformed ({type(exc).__name__}: {exc})")
            continue
        table = tables.setdefault(fresh.key, fresh)
        if table.metrics != fresh.metrics:
            warn(f"skipping run record {path}: its metric definitions differ from other records of {fresh.key.slug}")
            continue
        row = table.rows.setdefault(row_key, MeasuredRow(row_key[0], hparams, row_key[1], eval_every=row_key[2]))
        if run.seed in row.seeds:
            warn(f"skipping run record {path}: seed {run.seed} of {row.row_id} already comes from {row.runs[row.seeds.index(run.seed)].path}")
            continue
        row.runs.append(run)
    for table in tables.values():
        for row in table.rows.values():
            row.runs.sort(key=lambda run: run.seed)
    return dict(sorted(tables.items()))
