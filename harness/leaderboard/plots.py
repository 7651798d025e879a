"""Matplotlib figures beside the page, as deterministic SVG (fixed hash salt, no date or creator).

Per measured row among the first ROW_FIGURES of a table: for each headline metric, the seed-mean
score matrix as a heatmap and each task's score across training (hand-written SVG, svg_matrix.py) (every row's numbers are in the
CSV and JSON; a page of hundreds of heatmaps is read by no one). Per table: forgetting bars
(mean +- std) for every row, and score versus cost with the Pareto front (pareto.py).
"""

from __future__ import annotations

import io
import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Optional

import matplotlib
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import MaxNLocator

from harness.leaderboard.assemble import LeaderTable, Row
from harness.leaderboard.load import MeasuredRow
from harness.leaderboard.pareto import pareto_plot, points
from harness.leaderboard.svg_matrix import matrix_figure

RC = {"svg.hashsalt": "harness-leaderboard", "svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 9,
      "axes.spines.top": False, "axes.spines.right": False}
METADATA = {"Date": None, "Creator": None}
_TEXT, _FONT = TextToPath(), FontProperties(family=RC["font.family"], size=RC["font.size"])
ROW_FIGURES = 6
PARETO = -1  # the job index of a table's score-versus-cost figure
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


def row_figure(table: LeaderTable, row: MeasuredRow) -> bytes:
    metrics = [m for m in table.headline if m in row.runs[0].matrices]
    panels = [(metric, table.metrics[metric].higher_is_better, mean_matrix(row, metric)) for metric in metrics]
    return matrix_figure(f"{row.method} {row.hparams_hash} on {table.bench}: mean over {len(row.runs)} seed(s)", panels)


def forgetting_plot(table: LeaderTable) -> Figure:
    """One bar chart per headline metric; each subplot's title on two short lines so that
    neighbouring titles never touch."""
    metrics = [m for m in table.headline if m in table.metrics]
    rows: list[Row] = table.rows
    labels = [f"{row.label} (reported)" if row.reported else f"{row.method} {row.hparams_hash[:6]}" + (f" ({row.variant})" if row.variant else "") for row in rows]
    # a fixed layout sized from the longest label (constrained layout measures by drawing: slow)
    label_inches = max((_TEXT.get_text_width_height_descent(label, _FONT, ismath=False)[0] for label in labels), default=0.0) / 72
    left, panel, gap, top, bottom = 1.15 * label_inches + 0.35, 3.4, 0.45, 0.8, 0.45  # browsers draw the SVG text a little wider
    width, height = left + len(metrics) * panel + (len(metrics) - 1) * gap + 0.3, 0.45 * len(rows) + top + bottom
    figure = Figure(figsize=(width, height))
    figure.subplots_adjust(left=left / width, right=1 - 0.3 / width, top=1 - top / height, bottom=bottom / height, wspace=gap / panel)
    grid = figure.subplots(1, len(metrics), squeeze=False)[0]
    for axes, metric in zip(grid, metrics):
        stats = [row.cells.get((metric, table.forgetting_definition)) for row in rows]
        axes.barh(range(len(rows)), [0.0 if s is None else s.mean for s in stats],
                  xerr=[0.0 if s is None or s.std is None else s.std for s in stats],
                  color=["#b0b0b0" if row.reported else "#4c72b0" for row in rows], capsize=3)
        axes.set_yticks(range(len(rows)), labels if axes is grid[0] else [""] * len(rows))
        axes.invert_yaxis()
        axes.axvline(0, color="black", linewidth=0.6)
        axes.xaxis.set_major_locator(MaxNLocator(5))
        axes.set_title(f"{metric}\nforgetting (lower is better)")
    figure.suptitle(f"{table.bench}: forgetting ({table.forgetting_definition})")
    return figure


def forgetting_figure(table: LeaderTable) -> bytes:
    return svg_bytes(forgetting_plot(table))


_TABLES: list[LeaderTable] = []  # what forked figure workers draw from (inherited, never pickled)


def _keep_tables(tables: list[LeaderTable]) -> None:
    _TABLES[:] = tables


def _draw(job: tuple[int, Optional[int]]) -> bytes:
    table = _TABLES[job[0]]
    if job[1] == PARETO:
        return svg_bytes(pareto_plot(table))
    return forgetting_figure(table) if job[1] is None else row_figure(table, table.rows[job[1]].measured)


def _workers(jobs: int) -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cpus, jobs // 2) if "fork" in multiprocessing.get_all_start_methods() else 1


def write_figures(tables: list[LeaderTable], folder: Path) -> dict[str, dict[str, str]]:
    """Figure files under `folder/figures/<slug>/`; returns {slug: {row_id or 'forgetting': relative path}}.
    Figures are drawn in forked worker processes, one per CPU; each is a pure function of its
    table, so the bytes do not depend on the worker count."""
    jobs, paths = [], []
    for t, table in enumerate(tables):
        if table.rows:
            jobs.append((t, None))
            paths.append((table.slug, "forgetting", f"figures/{table.slug}/forgetting.svg"))
        if points(table):
            jobs.append((t, PARETO))
            paths.append((table.slug, "pareto", f"figures/{table.slug}/pareto.svg"))
        for r in [r for r, row in enumerate(table.rows) if row.measured is not None][:ROW_FIGURES]:
            jobs.append((t, r))
            paths.append((table.slug, table.rows[r].row_id, f"figures/{table.slug}/{table.rows[r].row_id}.svg"))
    _keep_tables(tables)
    workers = _workers(len(jobs))
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_keep_tables, initargs=(tables,)) as pool:
            drawn = list(pool.map(_draw, jobs))
    else:
        drawn = [_draw(job) for job in jobs]
    written: dict[str, dict[str, str]] = {table.slug: {} for table in tables}
    for (slug, name, relative), svg in zip(paths, drawn):
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(svg)
        written[slug][name] = relative
    return written
