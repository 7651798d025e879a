"""Score versus cost per bench: each measured row's first headline average against its training
seconds per task, with the Pareto front marked (rows no other row beats on both: a better score
for no more cost, or the same score for less). Rows timed on different devices get different
markers and fronts of their own, named in the legend, since their seconds do not compare."""

from __future__ import annotations

from typing import Optional

from matplotlib.figure import Figure

from harness.leaderboard.assemble import LeaderTable, Row
from harness.leaderboard.cost import COST_AGGREGATE
from harness.leaderboard.tables import cost_places

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
COST = "train_s"


def points(table: LeaderTable) -> list[tuple[Row, float, float]]:
    """(row, train seconds per task, first headline average) of every measured row that has both."""
    metric = next((m for m in table.headline if m in table.metrics), None)
    out = []
    for row in table.rows:
        cost, score = row.cells.get((COST, COST_AGGREGATE)), row.cells.get((metric, "average")) if metric else None
        if not row.reported and cost is not None and score is not None:
            out.append((row, cost.mean, score.mean))
    return out


def pareto_front(values: list[tuple[float, float]], higher_is_better: bool) -> list[bool]:
    """For each (cost, score): True when no other point has cost <= and a score at least as good, one of them strictly."""
    sign = 1.0 if higher_is_better else -1.0
    front = []
    for k, (cost, score) in enumerate(values):
        dominated = any(c <= cost and sign * s >= sign * score and (c < cost or sign * s > sign * score)
                        for j, (c, s) in enumerate(values) if j != k)
        front.append(not dominated)
    return front


def _label(row: Row) -> str:
    return row.method + (f" ({row.variant})" if row.variant else "") + "".join(f" = {other.split(' `')[0]}" for other in row.same_as)


def pareto_plot(table: LeaderTable) -> Optional[Figure]:
    """None when no measured row has both a score and a training time. Each device's rows get
    their own marker and their own front: seconds from different machines are not compared."""
    found = points(table)
    if not found:
        return None
    metric = next(m for m in table.headline if m in table.metrics)
    higher = table.metrics[metric].higher_is_better
    places = cost_places(table)
    figure = Figure(figsize=(7.5, 4.6))
    figure.subplots_adjust(left=0.11, right=0.97, top=0.9, bottom=0.13)
    axes = figure.subplots()
    for index, (where, letter) in enumerate(places.items()):
        mine = [(row, cost, score) for row, cost, score in found if row.cost_where == where]
        if not mine:
            continue
        front = pareto_front([(cost, score) for _, cost, score in mine], higher)
        marker, name = MARKERS[index % len(MARKERS)], (f"{letter}: {where}" if len(places) > 1 else where)
        axes.scatter([c for (_, c, _), on in zip(mine, front) if not on], [s for (_, _, s), on in zip(mine, front) if not on],
                     marker=marker, color="#9a9a9a", zorder=2, label=f"{name}, dominated")
        steps = sorted((c, s) for (_, c, s), on in zip(mine, front) if on)
        axes.plot([c for c, _ in steps], [s for _, s in steps], marker=marker, color="#c0392b", linewidth=1,
                  drawstyle="steps-post", zorder=3, label=f"{name}, Pareto front")
        for (row, cost, score), on in zip(mine, front):
            axes.annotate(_label(row), (cost, score), textcoords="offset points", xytext=(4, 3), fontsize=6.5,
                          color="#222" if on else "#777")
    axes.set_xscale("log")
    axes.margins(x=0.25, y=0.08)
    axes.set_xlabel("training seconds per task (mean over tasks and seeds, log scale)")
    axes.set_ylabel(f"{metric} average ({'higher' if higher else 'lower'} is better)")
    axes.legend(fontsize=6.5, frameon=False, loc="best")
    figure.suptitle(f"{table.bench}: score versus cost" + (" (one front per device: seconds compare only within a marker)" if len(places) > 1 else ""),
                    fontsize=9)
    return figure
