"""What a table must not reward, and how its rows are ranked.

- Shared ranks: a row's rank is 1 + the number of rows above it that Welch's test (the test that
  decides the bold and tied marks, stats.py) separates from it on the first headline metric's
  average; rows the test cannot separate share a rank (1, 1, 1, 4, ...). Ranks never fall down
  the table (a row ranks no better than the row above it). Rows without a spread (one seed, a
  paper's number) are ordered by their means.
- Did not learn: a row whose score right after learning (the mean of the diagonal R[i][i] of the
  first headline metric) is not above the base model's (the table's `base-model` row) or, without
  one, the chance level the bench YAML states (`chance`), is marked and never marked best or tied
  on forgetting or drift: forgetting nothing is no merit in a model that learned nothing. "Above"
  is the same test: mean higher and separated (Welch against the base row; a one-sample t-test
  against a chance constant).
- Identical rows: rows whose score matrices are bit-identical on every seed (two names for one
  computation) are shown once, the first by row order naming the others.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Optional, Sequence

from scipy import stats as scipy_stats

from harness.leaderboard.forgetting_choice import registered_bench
from harness.leaderboard.frame import JUST_LEARNED
from harness.leaderboard.stats import SEPARATION_ALPHA, Stat, welch_p

if TYPE_CHECKING:
    from harness.leaderboard.assemble import Row
    from harness.leaderboard.load import MetricInfo

BASE_MODEL = "base-model"


def _better(a: float, b: float, higher_is_better: bool) -> bool:
    return a > b if higher_is_better else a < b


def shared_ranks(stats: Sequence[Optional[Stat]], higher_is_better: bool) -> list[int]:
    """Ranks of cells given in ranked order (see the module docstring)."""
    ranks = []
    for k, cell in enumerate(stats):
        above = 0
        for other in stats[:k]:
            if other is None:
                continue
            if cell is None:
                above += 1
                continue
            p = welch_p(other, cell)
            strictly = _better(other.mean, cell.mean, higher_is_better)
            above += strictly and (p is None or p < SEPARATION_ALPHA)
        ranks.append(max(1 + above, ranks[-1] if ranks else 1))
    return ranks


def _above(cell: Stat, reference: Stat) -> bool:
    """`cell` is higher than `reference` and the test separates them (means alone without a spread)."""
    if cell.mean <= reference.mean:
        return False
    if reference.n is None:  # a chance constant: one-sample t-test of the seeds' mean against it
        if cell.std is None or cell.n is None or cell.n < 2 or cell.std == 0:
            return True
        t = (cell.mean - reference.mean) / (cell.std / math.sqrt(cell.n))
        return 2 * float(scipy_stats.t.sf(abs(t), cell.n - 1)) < SEPARATION_ALPHA
    p = welch_p(cell, reference)
    return p is None or p < SEPARATION_ALPHA


def learning_floor(rows: Sequence["Row"], bench: str, metric: str) -> tuple[Optional[Stat], str]:
    """The score right after learning that a row must beat, and what it is."""
    base = next((row for row in rows if row.method == BASE_MODEL and not row.reported), None)
    if base is not None and base.cells.get((metric, JUST_LEARNED)) is not None:
        return base.cells[(metric, JUST_LEARNED)], f"the {BASE_MODEL} row"
    spec = registered_bench(bench, None)  # the judge's chance level holds for every version that has the metric
    if spec is not None and metric in spec.chance:
        return Stat(spec.chance[metric], None, None), f"chance ({spec.chance[metric]:g}, the bench's `chance`)"
    return None, ""


def did_not_learn(rows: Sequence["Row"], bench: str, metric: str, metrics: dict[str, "MetricInfo"]) -> str:
    """Set each measured row's `learned`; returns what the rows were compared against ('' when nothing)."""
    info = metrics.get(metric)
    if info is None or info.kind != "score" or not info.higher_is_better:
        return ""
    floor, what = learning_floor(rows, bench, metric)
    if floor is None:
        return ""
    for row in rows:
        cell = row.cells.get((metric, JUST_LEARNED))
        if not row.reported and cell is not None:  # the base model itself learns nothing: never above its own score
            row.learned = _above(cell, floor)
    return what


def _fingerprint(row: "Row") -> Optional[str]:
    if row.measured is None:
        return None
    return json.dumps([[run.seed, run.matrices] for run in row.measured.runs], sort_keys=True)


def merge_identical(rows: list["Row"]) -> list["Row"]:
    """Rows with bit-identical matrices on every seed, shown once (the first names the others)."""
    first: dict[str, "Row"] = {}
    kept = []
    for row in rows:
        key = _fingerprint(row)
        if key is not None and key in first:
            first[key].same_as.append((row.method, row.measured.row_hash))
            continue
        if key is not None:
            first[key] = row
        kept.append(row)
    return kept
