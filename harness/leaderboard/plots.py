"""Matplotlib figures beside the page, as deterministic SVG (fixed hash salt, no date or creator).

Per measured row among the first ROW_FIGURES of a table: for each headline metric, the seed-mean
score matrix as a heatmap and each task's score across training (every row's numbers are in the
CSV and JSON; a page of hundreds of heatmaps is read by no one). Per table: forgetting bars
(mean +- std) for every row.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Optional

import matplotlib
from matplotlib.figure import Figure

from harness.leaderboard.assemble import LeaderTable, Row
from harness.leaderboard.load import MeasuredRow

RC = {"svg.hashsalt": "harness-leaderboard", "svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 9,
      "axes.spines.top": False, "axes.spines.right": False}
METADATA = {"Date": None, "Creator": None}
ROW_FIGURES = 8
Matrix = list[list[Optional[float]]]


def svg_bytes(figure: Figure) -> bytes:
    stream = io.BytesIO()
    with matplotlib.rc_context(RC):
        figure.savefig(stream, format="svg", metadata=METADATA)
    return stream.getvalue()


def mean_matrix(row: MeasuredRow, metric: str) -> Matrix:
    size = len(row.runs[0].matrices[metric])
    return [[None if i > t else math.fsum(run.matrices[metric][t][i] for run in row.runs) / len(row.runs) for i in range(size)]
            for t in range(size)]


def _heatmap(axes, matrix: Matrix, metric: str, higher_is_better: bool) -> None:
    size = len(matrix)
    values = [[math.nan if v is None else v for v in row] for row in matrix]
    mesh = axes.pcolormesh(range(size + 1), range(size + 1), values, cmap="viridis" if higher_is_better else "viridis_r", edgecolors="white", linewidth=1)
    axes.invert_yaxis()
    axes.set_xticks([i + 0.5 for i in range(size)], [f"T{i + 1}" for i in range(size)])
    axes.set_yticks([t + 0.5 for t in range(size)], [f"T{t + 1}" for t in range(size)])
    axes.set_xlabel("evaluated task i")
    axes.set_ylabel("after learning task t")
    axes.set_title(f"{metric}: R[t][i]")
    for t, row in enumerate(matrix):
        for i, value in enumerate(row):
            if value is not None:
                shade = mesh.cmap(mesh.norm(value))
                dark_text = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] > 0.55
                axes.text(i + 0.5, t + 0.5, f"{value:.3g}", ha="center", va="center", color="black" if dark_text else "white", fontsize=7)
    axes.figure.colorbar(mesh, ax=axes, fraction=0.046)


def _curves(axes, matrix: Matrix, metric: str) -> None:
    size = len(matrix)
    for i in range(size):
        steps = list(range(i, size))
        axes.plot([t + 1 for t in steps], [matrix[t][i] for t in steps], marker="o", markersize=3, label=f"task {i + 1}")
    axes.set_xticks(range(1, size + 1))
    axes.set_xlabel("after learning task t")
    axes.set_title(f"{metric} of each task across training")
    axes.legend(fontsize=7, frameon=False)


def row_figure(table: LeaderTable, row: MeasuredRow) -> bytes:
    metrics = [m for m in table.headline if m in row.runs[0].matrices]
    figure = Figure(figsize=(9, 3.4 * len(metrics)), layout="constrained")
    grid = figure.subplots(len(metrics), 2, squeeze=False)
    for (heat_axes, curve_axes), metric in zip(grid, metrics):
        matrix = mean_matrix(row, metric)
        _heatmap(heat_axes, matrix, metric, table.metrics[metric].higher_is_better)
        _curves(curve_axes, matrix, metric)
    figure.suptitle(f"{row.method} {row.hparams_hash} on {table.bench}: mean over {len(row.runs)} seed(s)")
    return svg_bytes(figure)


def forgetting_plot(table: LeaderTable) -> Figure:
    """One bar chart per headline metric; each subplot's title on two short lines so that
    neighbouring titles never touch."""
    metrics = [m for m in table.headline if m in table.metrics]
    rows: list[Row] = table.rows
    figure = Figure(figsize=(4.2 * len(metrics), 0.45 * len(rows) + 1.4), layout="constrained")
    grid = figure.subplots(1, len(metrics), squeeze=False)[0]
    labels = [f"{row.label} (reported)" if row.reported else f"{row.method} {row.hparams_hash[:6]}" for row in rows]
    for axes, metric in zip(grid, metrics):
        stats = [row.cells.get((metric, table.forgetting_definition)) for row in rows]
        axes.barh(range(len(rows)), [0.0 if s is None else s.mean for s in stats],
                  xerr=[0.0 if s is None or s.std is None else s.std for s in stats],
                  color=["#b0b0b0" if row.reported else "#4c72b0" for row in rows], capsize=3)
        axes.set_yticks(range(len(rows)), labels if axes is grid[0] else [""] * len(rows))
        axes.invert_yaxis()
        axes.axvline(0, color="black", linewidth=0.6)
        axes.set_title(f"{metric}\nforgetting (lower is better)")
    figure.suptitle(f"{table.bench}: forgetting ({table.forgetting_definition})")
    return figure


def forgetting_figure(table: LeaderTable) -> bytes:
    return svg_bytes(forgetting_plot(table))


def write_figures(table: LeaderTable, folder: Path) -> dict[str, str]:
    """Figure files under `folder/figures/<slug>/`; returns {row_id or 'forgetting': relative path}."""
    target = folder / "figures" / table.slug
    target.mkdir(parents=True, exist_ok=True)
    written = {}
    if table.rows:
        (target / "forgetting.svg").write_bytes(forgetting_figure(table))
        written["forgetting"] = f"figures/{table.slug}/forgetting.svg"
    for row in [row for row in table.rows if row.measured is not None][:ROW_FIGURES]:
        if row.measured is not None:
            (target / f"{row.row_id}.svg").write_bytes(row_figure(table, row.measured))
            written[row.row_id] = f"figures/{table.slug}/{row.row_id}.svg"
    return written
