"""Leaderboard tables: measured rows (mean +- std and 95% interval over seeds, from the records
frame of frame.py) and reported rows, ranked.

Rows are ranked by the bench's headline metrics' average scores, each in its own direction
(the first headline metric decides, the next breaks ties). Each shown column marks its best and
runner-up only where Welch's test separates them, and the rows tied with the best (stats.py).
Reported rows join the `default`-profile table of their bench. Each table shows the forgetting
definition its bench's papers use (forgetting_choice.py); a reported row given under another
definition keeps its average and leaves its forgetting cell empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional

from harness.catalog import BOUND_METHODS
from harness.leaderboard.forgetting_choice import choose
from harness.leaderboard.frame import AGGREGATES, records_frame, seed_statistics
from harness.leaderboard.load import BenchTable, MeasuredRow, MetricInfo, TableKey, Warn
from harness.leaderboard.reported import Citation, ReportedTable
from harness.leaderboard.stats import Mark, Stat, marks
from harness.leaderboard.t2i_layout import LAYOUTS_BY_TRACK, PARAMETER_AGGREGATE, PARAMETER_FIELDS, chosen_metric, parameter_stat
from metrics.continual import DRIFT_DEFINITIONS, FORGETTING_DEFINITIONS

AGGREGATE_DEFINITIONS = {
    "average": "mean of the last row of the score matrix: every task's score after the whole sequence",
    "average_incremental": "mean over rows t of the mean score on the tasks seen after task t",
    **FORGETTING_DEFINITIONS,
    **DRIFT_DEFINITIONS,
}
REPORTED_PROFILE = "default"
MEASURED_STD_DDOF = 1


@dataclass(frozen=True)
class Column:
    metric: str
    aggregate: str
    higher_is_better: bool
    title: Optional[str] = None

    @property
    def label(self) -> str:
        if self.title:
            return f"{self.title} {'↑' if self.higher_is_better else '↓'}"
        kind = {"average": "avg", "drift": "drift"}.get(self.aggregate, "forgetting")
        return f"{self.metric} {kind} {'↑' if self.higher_is_better else '↓'}"


@dataclass
class Row:
    row_id: str
    method: str
    label: str
    reported: bool
    hparams: dict[str, Any]
    hparams_hash: str
    seeds: list[int]
    provisional: bool
    cells: dict[tuple[str, str], Optional[Stat]]
    citation: Optional[Citation] = None
    source: str = ""
    measured: Optional[MeasuredRow] = None
    rank: int = 0
    marks: dict[tuple[str, str], Mark] = field(default_factory=dict)
    std_ddof: Optional[int] = MEASURED_STD_DDOF
    printed_decimals: Optional[int] = None  # a reported row's precision as the paper prints it
    variant: str = ""  # the hparams that tell this row from the method's other rows in its table, e.g. "kl_weight=0.01"


@dataclass
class LeaderTable:
    slug: str
    bench: str
    version: Optional[int]
    spec_hash: str
    profile: str
    track: str
    tasks: list[str]
    headline: list[str]
    min_seeds: int
    metrics: dict[str, MetricInfo]
    forgetting_definition: str
    harness_versions: list[str]
    forgetting_reason: str = ""
    rows: list[Row] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)

    @property
    def citations(self) -> list[Citation]:
        seen = {row.citation.key: row.citation for row in self.rows if row.citation}
        return [seen[key] for key in sorted(seen)]


StatLookup = dict[tuple, Stat]


def _stat_lookup(measured: dict[TableKey, BenchTable], collection: str) -> StatLookup:
    """Every measured cell, from the records frame grouped over seeds (see frame.py)."""
    statistics = seed_statistics(records_frame(measured, collection))
    lookup: StatLookup = {}
    columns = (statistics[name] for name in ("mean", "std", "n", "ci_low", "ci_high"))
    for index, mean, std, n, low, high in zip(statistics.index, *columns):
        if mean == mean:  # NaN: some seed lacks the value
            interval = None if low != low else (float(low), float(high))
            lookup[index[1:]] = Stat(float(mean), None if std != std else float(std), int(n), interval)
    return lookup


def _measured_row(key: TableKey, row: MeasuredRow, metrics: dict[str, MetricInfo], min_seeds: int, lookup: StatLookup) -> Row:
    prefix = (key.bench, key.version, key.spec_hash, key.profile, row.method, row.row_hash)
    undefined = set(FORGETTING_DEFINITIONS) if row.method in BOUND_METHODS else set()  # a bound's forgetting is blank, not 0
    cells = {(metric, aggregate): None if aggregate in undefined else lookup.get((*prefix, metric, aggregate))
             for metric in metrics for aggregate in AGGREGATES}
    if any(run.parameters for run in row.runs):
        cells |= {(name, PARAMETER_AGGREGATE): parameter_stat(row.runs, field) for name, field in PARAMETER_FIELDS.items()}
    label = row.method if row.eval_every == 1 else f"{row.method} (sparse rows: every {row.eval_every})"
    return Row(row.row_id, row.method, label, False, row.hparams, row.hparams_hash, row.seeds,
               len(row.runs) < min_seeds, cells, measured=row)


def _reported_definitions(reported: list[ReportedTable], bench: str, version: Optional[int]) -> list[str]:
    return [block.forgetting_definition for block in reported
            if block.bench == bench and (block.bench_version is None or block.bench_version == version)]


def _from_measured(table: BenchTable, lookup: StatLookup, reported: list[ReportedTable]) -> LeaderTable:
    key = table.key
    versions = sorted({run.harness_version for row in table.rows.values() for run in row.runs})
    # every profile's table of a bench shows the same definition, whether or not reported rows join it
    definition, reason = choose(key.bench, key.version, table.track, _reported_definitions(reported, key.bench, key.version))
    leader = LeaderTable(key.slug, key.bench, key.version, key.spec_hash, key.profile, table.track, table.tasks,
                         table.headline, table.min_seeds, dict(table.metrics), definition, versions, reason)
    leader.rows = [_measured_row(key, row, table.metrics, table.min_seeds, lookup) for _, row in sorted(table.rows.items())]
    _name_variants(leader.rows)
    return leader


def _name_variants(rows: list[Row]) -> None:
    """Give each row of a method with several rows the hparams whose values differ among them (a sweep's knob)."""
    by_method: dict[str, list[Row]] = {}
    for row in rows:
        by_method.setdefault(row.method, []).append(row)
    for same in by_method.values():
        keys = sorted({key for row in same for key in row.hparams})
        varying = [key for key in keys if len({json.dumps(row.hparams.get(key), sort_keys=True) for row in same}) > 1]
        for row in same:
            row.variant = ", ".join(f"{key}={row.hparams.get(key, 'default')}" for key in varying)


def _reported_only(reported: ReportedTable, every: list[ReportedTable]) -> LeaderTable:
    definition, reason = choose(reported.bench, reported.bench_version, "",
                                _reported_definitions(every, reported.bench, reported.bench_version))
    return LeaderTable(f"{reported.bench}-reported", reported.bench, reported.bench_version, "", REPORTED_PROFILE, "", [],
                       list(reported.metrics), 0, {}, definition, [], reason)


def _join(leader: LeaderTable, reported: ReportedTable, warn: Warn) -> None:
    gives_forgetting = any(reported.forgetting_definition in values for row in reported.rows for values in row.values.values())
    if gives_forgetting and leader.forgetting_definition != reported.forgetting_definition:
        warn(f"reported rows for {reported.bench} give {reported.forgetting_definition}, the table shows {leader.forgetting_definition} "
             f"({leader.forgetting_reason}): their forgetting cells stay empty")
    for name, info in reported.metrics.items():
        leader.metrics.setdefault(name, info)
    for row in reported.rows:
        cells = {(metric, aggregate): stat for metric, values in row.values.items() for aggregate, stat in values.items()}
        leader.rows.append(Row(row.row_id, row.method, row.label, True, {}, "", [], False, cells, row.citation, row.source,
                               std_ddof=reported.std_ddof, printed_decimals=reported.decimals))


def _rank(leader: LeaderTable) -> None:
    def sort_key(row: Row) -> tuple:
        parts = []
        for metric in leader.headline:
            info = leader.metrics.get(metric)
            stat = row.cells.get((metric, "average"))
            parts.append((1, 0.0) if stat is None or info is None else (0, -stat.mean if info.higher_is_better else stat.mean))
        return (*parts, row.reported, row.row_id)

    leader.rows.sort(key=sort_key)
    for rank, row in enumerate(leader.rows, start=1):
        row.rank = rank
    leader.columns = [
        Column(metric, aggregate, leader.metrics[metric].higher_is_better if aggregate == "average" else False)
        for metric in leader.headline if metric in leader.metrics
        for aggregate in (("drift",) if leader.metrics[metric].kind == "drift" else ("average", leader.forgetting_definition))
    ]
    if leader.track in LAYOUTS_BY_TRACK:
        layout = [Column(chosen_metric(names, leader.metrics), aggregate, higher, title) for title, names, aggregate, higher in LAYOUTS_BY_TRACK[leader.track]]
        taken = {(c.metric, c.aggregate) for c in layout}
        leader.columns = layout + [c for c in leader.columns if (c.metric, c.aggregate) not in taken]
    for column in leader.columns:
        key = (column.metric, column.aggregate)
        tested = column.metric not in PARAMETER_FIELDS  # costs are listed, not ranked
        for row, mark in zip(leader.rows, marks([row.cells.get(key) for row in leader.rows], column.higher_is_better) if tested else [Mark("", None)] * len(leader.rows)):
            row.marks[key] = mark


def assemble(measured: dict[TableKey, BenchTable], reported: list[ReportedTable], warn: Warn, collection: str = "runs") -> list[LeaderTable]:
    """Every table, in a fixed order: measured tables by key, then reported-only tables by bench."""
    lookup = _stat_lookup(measured, collection)
    tables = [_from_measured(table, lookup, reported) for table in measured.values()]
    extra: dict[str, LeaderTable] = {}
    for block in reported:
        targets = [t for t in tables if t.bench == block.bench and t.profile == REPORTED_PROFILE
                   and (block.bench_version is None or t.version == block.bench_version)]
        if not targets:
            targets = [extra.setdefault(block.bench, _reported_only(block, reported))]
        for target in targets:
            _join(target, block, warn)
    tables += [extra[bench] for bench in sorted(extra)]
    for table in tables:
        _rank(table)
    return tables
