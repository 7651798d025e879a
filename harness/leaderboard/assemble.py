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
from harness.leaderboard.cost import COST_AGGREGATE, COST_FIELDS, row_costs
from harness.leaderboard.faithfulness import proxy_agreements
from harness.leaderboard.forgetting_choice import choose
from harness.leaderboard.frame import FRAME_AGGREGATES, JUST_LEARNED, records_frame, seed_statistics
from harness.leaderboard.learning import did_not_learn, merge_identical, shared_ranks
from harness.leaderboard.load import BenchTable, MeasuredRow, MetricInfo, TableKey, Warn
from harness.leaderboard.reported import Citation, ReportedTable
from harness.leaderboard.stats import Mark, Stat, marks
from harness.leaderboard.t2i_layout import LAYOUTS_BY_TRACK, PARAMETER_AGGREGATE, PARAMETER_FIELDS, chosen_metric, parameter_stat
from metrics.continual import DRIFT_DEFINITIONS, FORGETTING_DEFINITIONS

AGGREGATES = FRAME_AGGREGATES  # every aggregate a cell may hold (the records' summary and the diagonal)
AGGREGATE_DEFINITIONS = {
    "average": "mean of the last row of the score matrix: every task's score after the whole sequence",
    "average_incremental": "mean over rows t of the mean score on the tasks seen after task t",
    **FORGETTING_DEFINITIONS,
    **DRIFT_DEFINITIONS,
    JUST_LEARNED: "mean over tasks i of R[i][i]: each task's score right after it was learned (the leaderboard's \"did not learn\" test)",
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
    cost_where: str = ""  # the device and thread count its cost was measured on ("" for a reported row)
    learned: Optional[bool] = None  # False: its score right after learning is not above the base model's (learning.py)
    same_as: list[tuple[str, str]] = field(default_factory=list)  # (method, row hash) of rows with bit-identical matrices on every seed, shown as this one


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
    learning_floor: str = ""  # what "did not learn" compares the rows against ("": no floor known; learning.py)
    rows: list[Row] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    faithfulness: list[str] = field(default_factory=list)  # a proxy bench: how it orders methods against each paper table it stands in for

    @property
    def citations(self) -> list[Citation]:
        seen = {row.citation.key: row.citation for row in self.rows if row.citation}
        return [seen[key] for key in sorted(seen)]


StatLookup = dict[tuple, Stat]


def _stat_lookup(measured: dict[TableKey, BenchTable], collection: str) -> StatLookup:
    """Every measured cell, from the records frame grouped over seeds (see frame.py)."""
    statistics = seed_statistics(records_frame(measured, collection)).dropna(subset=["mean"])  # NaN: some seed lacks the value
    lookup: StatLookup = {}
    for index, cell in zip(statistics.index, statistics.itertuples(index=False)):
        interval = None if cell.ci_low != cell.ci_low else (float(cell.ci_low), float(cell.ci_high))
        lookup[index[1:]] = Stat(float(cell.mean), None if cell.std != cell.std else float(cell.std), int(cell.n), interval)
    return lookup


def _measured_row(key: TableKey, row: MeasuredRow, metrics: dict[str, MetricInfo], min_seeds: int, lookup: StatLookup) -> Row:
    prefix = (key.bench, key.version, key.spec_hash, key.profile, row.method, row.row_hash)
    undefined = set(FORGETTING_DEFINITIONS) if row.method in BOUND_METHODS else set()  # a bound's forgetting is blank, not 0
    cells = {(metric, aggregate): None if aggregate in undefined else lookup.get((*prefix, metric, aggregate))
             for metric in metrics for aggregate in AGGREGATES}
    if any(run.parameters for run in row.runs):
        cells |= {(name, PARAMETER_AGGREGATE): parameter_stat(row.runs, field) for name, field in PARAMETER_FIELDS.items()}
    costs, where = row_costs([run.cost for run in row.runs])
    cells |= {(name, COST_AGGREGATE): stat for name, stat in costs.items()}
    label = row.method if row.eval_every == 1 else f"{row.method} (sparse rows: every {row.eval_every})"
    return Row(row.row_id, row.method, label, False, row.hparams, row.hparams_hash, row.seeds,
               len(row.runs) < min_seeds, cells, measured=row, cost_where=where)


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
    leader.rows = merge_identical([_measured_row(key, row, table.metrics, table.min_seeds, lookup) for _, row in sorted(table.rows.items())])
    _name_variants(leader.rows)
    leader.learning_floor = did_not_learn(leader.rows, leader.bench, next(iter(leader.headline), ""), leader.metrics)
    return leader


def _name_variants(rows: list[Row]) -> None:
    """Give each row of a method with several rows the hparams where it departs from the method's
    other rows (from the value most of them share; every row's value when none is most common)."""
    by_method: dict[str, list[Row]] = {}
    for row in rows:
        by_method.setdefault(row.method, []).append(row)
    for same in by_method.values():
        keys = sorted({key for row in same for key in row.hparams})
        shown: dict[str, Optional[str]] = {}
        for key in keys:
            values = [json.dumps(row.hparams.get(key), sort_keys=True) for row in same]
            counts = sorted(((values.count(v), v) for v in set(values)), reverse=True)
            if len(counts) > 1:
                shown[key] = counts[0][1] if counts[0][0] > counts[1][0] else None  # None: no common value, show every row's
        for row in same:
            row.variant = ", ".join(f"{key}={row.hparams.get(key, 'default')}" for key, common in shown.items()
                                    if common is None or json.dumps(row.hparams.get(key), sort_keys=True) != common)


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
    first = next((m for m in leader.headline if m in leader.metrics), None)
    ranks = shared_ranks([row.cells.get((first, "average")) for row in leader.rows], leader.metrics[first].higher_is_better) if first else []
    for position, row in enumerate(leader.rows):
        row.rank = ranks[position] if ranks else position + 1
    leader.columns = [
        Column(metric, aggregate, leader.metrics[metric].higher_is_better if aggregate == "average" else False)
        for metric in leader.headline if metric in leader.metrics
        for aggregate in (("drift",) if leader.metrics[metric].kind == "drift" else ("average", leader.forgetting_definition))
    ]
    if leader.track in LAYOUTS_BY_TRACK:
        layout = [Column(chosen_metric(names, leader.metrics), aggregate, higher, title) for title, names, aggregate, higher in LAYOUTS_BY_TRACK[leader.track]]
        taken = {(c.metric, c.aggregate) for c in layout}
        leader.columns = layout + [c for c in leader.columns if (c.metric, c.aggregate) not in taken]
    if any(row.cells.get((name, COST_AGGREGATE)) for row in leader.rows for name in COST_FIELDS):
        leader.columns += [Column(name, COST_AGGREGATE, False, title) for name, title in COST_FIELDS.items()]
    for column in leader.columns:
        _mark_column(leader, column)


def _mark_column(leader: LeaderTable, column: Column) -> None:
    """Costs are listed, not tested; a row that did not learn is never marked on forgetting or drift."""
    key = (column.metric, column.aggregate)
    if column.metric in PARAMETER_FIELDS or column.aggregate == COST_AGGREGATE:
        for row in leader.rows:
            row.marks[key] = Mark("", None)
        return
    info = leader.metrics.get(column.metric)
    retained = column.aggregate in FORGETTING_DEFINITIONS or column.aggregate in DRIFT_DEFINITIONS or (info is not None and info.kind == "drift")
    stats = [None if retained and row.learned is False else row.cells.get(key) for row in leader.rows]
    for row, mark in zip(leader.rows, marks(stats, column.higher_is_better)):
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
        if table.profile == REPORTED_PROFILE:
            table.faithfulness = [found.sentence() for found in proxy_agreements(table, reported)]
    return tables
