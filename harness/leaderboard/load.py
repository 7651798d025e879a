"""Complete run records, read and grouped into leaderboard rows.

A row is one (bench, bench version, spec hash, profile, method, hparams hash): its seeds are
averaged. Records of different bench versions, spec hashes or profiles never share a row (nor a
table). Records are untrusted: each is checked against the typed schema (harness/record_schema.py:
safe names, hparams hash, booleans, finite numbers, matrix shapes); a record that fails is named
by path in one warning line and skipped. Copies of one run (the same run key in the same table)
are counted once when their matrices agree; when they disagree (two contributors, or a tampered
copy) every copy is named as a conflict and none is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

from core.errors import UsageError
from harness.leaderboard.cost import RunCost, run_cost
from harness.record import RunRecord, load_record
from harness.record_checks import bench_mismatch
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
    kind: str = "score"  # "drift": its one aggregate is `drift`, it has no average or forgetting column


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
    cost: Optional[RunCost] = None  # seconds per task, where they were measured, stored parameters (cost.py)


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


def _run_of(record: RunRecord, path: Path) -> Run:
    """The record's matrices and the aggregates recomputed from them (never its stored summary;
    none for an unfinished run, whose matrices are partly empty)."""
    matrices, summary = {}, {}
    for name, entry in record.metrics.items():
        try:
            if record.status == "complete":
                summary[name] = summarize(entry.matrix, entry.higher_is_better, entry.kind)
        except (ValueError, TypeError, KeyError) as exc:
            raise UsageError(f"run record {path}: metric {name} has a broken score matrix ({exc})") from None
        matrices[name] = entry.matrix
    return Run(
        path=path,
        seed=record.seed,
        harness_version=record.environment.harness_version or "unknown",
        matrices=matrices,
        summary=summary,
        samples=_samples_beside(record, path),
        status=record.status,
        parameters={} if record.parameters is None else record.parameters.model_dump(),
        cost=run_cost(record),
    )


def _samples_beside(record: RunRecord, path: Path) -> Optional[Path]:
    """The record's sample grid: a bare name (checked by the schema) of a regular file
    beside it; a symbolic link could point anywhere, so it is refused like a missing file."""
    if not record.samples:
        return None
    grid = path.parent / record.samples
    if grid.is_symlink():
        raise UsageError(f"run record {path}: its sample grid {grid} is a symbolic link; only a regular file beside the record is published")
    return grid


def _table_of(record: RunRecord) -> BenchTable:
    bench = record.bench
    key = TableKey(bench.name, bench.version, bench.spec_hash, bench.profile)
    metrics = {name: MetricInfo(name, entry.higher_is_better, entry.description, entry.kind) for name, entry in sorted(record.metrics.items())}
    headline = list(bench.headline) or list(metrics)[:1]
    return BenchTable(key, bench.track or "", list(bench.tasks), headline, bench.min_seeds, metrics)


class _Loaded(NamedTuple):
    """One readable record: the table and row it joins, and what the leaderboard keeps of it."""

    table: BenchTable
    row_key: tuple[str, str, int]
    hparams: dict[str, Any]
    run: Run
    run_key: str


def _read(path: Path, statuses: tuple[str, ...], warn: Warn, check_bench: bool) -> Optional[_Loaded]:
    try:
        record = load_record(path)
        if record.status not in statuses:
            return None
        mismatch = bench_mismatch(record) if check_bench else None
        if mismatch:
            raise UsageError(f"run record {path}: {mismatch}")
        row_key = (record.method.name, record.method.hparams_hash, record.schedule.every)
        return _Loaded(_table_of(record), row_key, dict(record.method.hparams), _run_of(record, path), record.run_key)
    except UsageError as exc:
        reason = str(exc).replace(f"run record {path}: ", "").replace(f"run record {path} ", "")
        warn(f"skipping run record {path}: {reason}")
        return None


def _one_per_run(loaded: list[_Loaded], warn: Warn) -> list[_Loaded]:
    """Copies of one run (same table, same run key): one kept when they agree, none when they conflict."""
    copies: dict[tuple[TableKey, str], list[_Loaded]] = {}
    for item in loaded:
        copies.setdefault((item.table.key, item.run_key), []).append(item)
    kept = []
    for (key, run_key), same in copies.items():
        paths = ", ".join(str(item.run.path) for item in same)
        if all(item.run.matrices == same[0].run.matrices and item.table.metrics == same[0].table.metrics for item in same):
            if len(same) > 1:
                warn(f"run {run_key} of {key.slug} has {len(same)} identical records ({paths}): counted once")
            kept.append(same[0])
        else:
            warn(f"conflict: run {run_key} of {key.slug} has records with different score matrices ({paths}): none of them is used")
    return kept


def load_runs(results_dir: Path, warn: Warn, collection: str = "runs") -> dict[TableKey, BenchTable]:
    """Every complete record under `results_dir/<collection>` (runs, or sweeps), grouped by table
    and row, in a fixed order."""
    return load_record_files(sorted((Path(results_dir) / collection).rglob("*.json")), warn, check_bench=True)


def load_record_files(paths: list[Path], warn: Warn, statuses: tuple[str, ...] = ("complete",), check_bench: bool = False) -> dict[TableKey, BenchTable]:
    """The records at `paths` whose status is one of `statuses`, grouped by table and row; with
    `check_bench` (the leaderboard), a record whose bench disagrees with the registered one is skipped."""
    loaded = [item for item in (_read(path, statuses, warn, check_bench) for path in paths) if item is not None]
    tables: dict[TableKey, BenchTable] = {}
    for fresh, row_key, hparams, run, _ in _one_per_run(loaded, warn):
        path = run.path
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
