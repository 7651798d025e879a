"""Score versus cost per bench: each measured row's first headline average against its training
seconds per task, with the Pareto front marked (rows no other row beats on both: a better score
for no more cost, or the same score for less). Rows timed on different devices get different
markers and fronts of their own, named in the legend, since their seconds do not compare."""

from __future__ import annotations

from typing import Optional

from harness.leaderboard.assemble import LeaderTable, Row
from harness.leaderboard.cost import COST_AGGREGATE
from harness.leaderboard.svg_charts import Point, scatter_figure
from harness.leaderboard.tables import cost_places

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
    return row.method + (f" ({row.variant})" if row.variant else "") + "".join(f" = {method}" for method, _ in row.same_as)


def pareto_plot(table: LeaderTable) -> Optional[bytes]:
    """The figure's SVG bytes; None when no measured row has both a score and a training time.
    Each device's rows get their own marker and their own front: seconds from different machines
    are not compared."""
    found = points(table)
    if not found:
        return None
    metric = next(m for m in table.headline if m in table.metrics)
    higher = table.metrics[metric].higher_is_better
    places = cost_places(table)
    drawn = []
    for group, where in enumerate(places):
        mine = [(row, cost, score) for row, cost, score in found if row.cost_where == where]
        front = pareto_front([(cost, score) for _, cost, score in mine], higher)
        drawn += [Point(_label(row), cost, score, group, on) for (row, cost, score), on in zip(mine, front)]
    several = len(places) > 1
    groups = [f"{letter}: {where}" if several else where for where, letter in places.items()]
    title = f"{table.bench}: score versus cost" + (" (one front per device: seconds compare only within a marker)" if several else "")
    return scatter_figure(title, "training seconds per task (mean over tasks and seeds, log scale)",
                          f"{metric} average ({'higher' if higher else 'lower'} is better)", drawn, groups)
