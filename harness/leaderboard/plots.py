"""The figures beside the page, as deterministic hand-written SVG (svg.py: no matplotlib drawing,
so a board of many tables builds in about a second).

Per measured row among the first ROW_FIGURES of a table: for each headline metric, the seed-mean
score matrix as a heatmap and each task's score across training (svg_matrix.py; every row's
numbers are in the CSV and JSON, and a page of hundreds of heatmaps is read by no one). Per
table: forgetting bars (mean +- std) for every row, and score versus cost with each device's
Pareto front (pareto.py).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

from harness.leaderboard.assemble import LeaderTable, Row
from harness.leaderboard.load import MeasuredRow
from harness.leaderboard.pareto import pareto_plot, points
from harness.leaderboard.svg_charts import Bar, bars_figure
from harness.leaderboard.svg_matrix import matrix_figure

ROW_FIGURES = 6
Matrix = list[list[Optional[float]]]


def mean_matrix(row: MeasuredRow, metric: str) -> Matrix:
    size = len(row.runs[0].matrices[metric])
    return [[None if i > t else math.fsum(run.matrices[metric][t][i] for run in row.runs) / len(row.runs) for i in range(size)]
            for t in range(size)]


def row_figure(table: LeaderTable, row: MeasuredRow) -> bytes:
    metrics = [m for m in table.headline if m in row.runs[0].matrices]
    panels = [(metric, table.metrics[metric].higher_is_better, mean_matrix(row, metric)) for metric in metrics]
    return matrix_figure(f"{row.method} {row.hparams_hash} on {table.bench}: mean over {len(row.runs)} seed(s)", panels)


def forgetting_figure(table: LeaderTable) -> bytes:
    """One bar panel per headline metric (mean +- std of the shown forgetting), every row; reported rows grey."""
    metrics = [m for m in table.headline if m in table.metrics]
    rows: list[Row] = table.rows
    labels = [f"{row.label} (reported)" if row.reported else f"{row.method} {row.hparams_hash[:6]}" + (f" ({row.variant})" if row.variant else "")
              for row in rows]
    panels = []
    for metric in metrics:
        stats = [row.cells.get((metric, table.forgetting_definition)) for row in rows]
        panels.append((metric, [None if s is None else Bar(s.mean, s.std, row.reported) for s, row in zip(stats, rows)]))
    return bars_figure(f"{table.bench}: forgetting ({table.forgetting_definition})", labels, panels)


def write_figures(tables: list[LeaderTable], folder: Path) -> dict[str, dict[str, str]]:
    """Figure files under `folder/figures/<slug>/`; returns {slug: {row_id, 'forgetting' or 'pareto': relative path}}."""
    written: dict[str, dict[str, str]] = {table.slug: {} for table in tables}
    for table in tables:
        figures: list[tuple[str, bytes]] = []
        if table.rows:
            figures.append(("forgetting", forgetting_figure(table)))
        if points(table):
            figures.append(("pareto", pareto_plot(table)))
        figures += [(row.row_id, row_figure(table, row.measured)) for row in [r for r in table.rows if r.measured is not None][:ROW_FIGURES]]
        for name, svg in figures:
            relative = f"figures/{table.slug}/{name}.svg"
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(svg)
            written[table.slug][name] = relative
    return written
