"""A leaderboard cell (mean, sample std, seed count, 95% interval), the marks of a column and the
precision a cell is shown with.

Marks: rows of a column are ordered by mean. Two rows are "separated" when Welch's two-sided
t-test (unequal variances, from the cells' mean, std and n) gives p < SEPARATION_ALPHA. The best
is bold only when it is separated from every other row that has a spread (and the runner-up has
one); the runner-up is underlined only when the best is bold and the runner-up is likewise
separated from every row below it. A row the test does not separate from the best is "tied".
A row without a spread (one seed; a paper's number with no stated seed count) is never tested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from scipy import stats as scipy_stats
from scipy.stats import ttest_ind_from_stats

SEPARATION_ALPHA = 0.05
CONFIDENCE = 0.95
HALF_WIDTH_DIGITS = 2   # significant digits kept of an interval's half-width
PLAIN_DIGITS = 3        # significant digits of a value without an interval
MAX_DECIMALS = 8


@dataclass(frozen=True)
class Stat:
    """A cell: the mean over seeds, the std (None for one seed) and the seed count (None for a
    reported number, whose seed count the paper does not state), and the 95% Student-t interval
    of the mean (None without a seed count of at least 2)."""

    mean: float
    std: Optional[float]
    n: Optional[int]
    ci95: Optional[tuple[float, float]] = None

    def as_json(self) -> dict[str, object]:
        return {"mean": self.mean, "std": self.std, "n": self.n, "ci95": None if self.ci95 is None else list(self.ci95)}

    @property
    def half_width(self) -> Optional[float]:
        return None if self.ci95 is None else (self.ci95[1] - self.ci95[0]) / 2


@dataclass(frozen=True)
class Mark:
    kind: str                  # "best", "second", "tied" or ""
    p_vs_best: Optional[float]  # Welch p-value against the column's best (None: not tested)


def welch_p(a: Stat, b: Stat) -> Optional[float]:
    """Two-sided p-value of Welch's t-test between two cells; None when either lacks a spread."""
    if a.std is None or b.std is None or a.n is None or b.n is None or a.n < 2 or b.n < 2:
        return None
    if a.std == 0 and b.std == 0:
        return 1.0 if a.mean == b.mean else 0.0
    return float(ttest_ind_from_stats(a.mean, a.std, a.n, b.mean, b.std, b.n, equal_var=False).pvalue)


def _separated(a: Stat, b: Stat) -> Optional[bool]:
    p = welch_p(a, b)
    return None if p is None else p < SEPARATION_ALPHA


def _leads(first: Stat, others: Sequence[Stat]) -> bool:
    """`first` is separated from the next row and no row below is tied with it."""
    verdicts = [_separated(first, other) for other in others]
    return bool(verdicts) and verdicts[0] is True and False not in verdicts


def marks(stats: Sequence[Optional[Stat]], higher_is_better: bool) -> list[Mark]:
    """One mark per cell of a column (see the module docstring)."""
    present = [i for i, stat in enumerate(stats) if stat is not None]
    order = sorted(present, key=lambda i: -stats[i].mean if higher_is_better else stats[i].mean)
    result = [Mark("", None) for _ in stats]
    if len(order) < 2:
        return result
    best, rest = stats[order[0]], [stats[i] for i in order[1:]]
    for i in order[1:]:
        p = welch_p(best, stats[i])
        result[i] = Mark("tied" if p is not None and p >= SEPARATION_ALPHA else "", p)
    if _leads(best, rest):
        result[order[0]] = Mark("best", None)
        if len(rest) >= 2 and _leads(rest[0], rest[1:]):
            result[order[1]] = Mark("second", result[order[1]].p_vs_best)
    return result


def _decimals_for_digits(value: float, digits: int) -> int:
    if value == 0 or not math.isfinite(value):
        return digits - 1
    return min(MAX_DECIMALS, max(0, digits - 1 - math.floor(math.log10(abs(value)))))


ROUNDING_NOISE = 1e-9


def decimals_for(stat: Stat, printed: Optional[int] = None) -> int:
    """The decimals a cell is shown with: two significant digits of its interval's half-width
    (never fewer than 0 decimals), the paper's printed precision for a reported number, and three
    significant digits of the mean when there is neither."""
    half = stat.half_width
    # seeds that agree exactly leave a rounding-noise half-width (0.1 three times: ~1e-17): no interval
    if half is not None and math.isfinite(half) and half > ROUNDING_NOISE * max(1.0, abs(stat.mean)):
        return _decimals_for_digits(half, HALF_WIDTH_DIGITS)
    if printed is not None:
        return printed
    return _decimals_for_digits(stat.mean, PLAIN_DIGITS)


def t_half_width(std: np.ndarray, n: np.ndarray, confidence: float = CONFIDENCE) -> np.ndarray:
    """Half-width of the two-sided Student-t interval for a mean over n values with sample std
    `std`: t_{(1+c)/2, n-1} * std / sqrt(n); NaN where n < 2."""
    std, n = np.asarray(std, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = scipy_stats.t.ppf((1 + confidence) / 2, np.where(n >= 2, n - 1, np.nan))
        return quantile * std / np.sqrt(n)


def exact_mean_std(values: np.ndarray) -> tuple[float, float]:
    """Correctly rounded sums (math.fsum), so the numbers do not depend on the order of seeds."""
    if np.isnan(values).any():
        return math.nan, math.nan
    n = len(values)
    mean = math.fsum(values) / n
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else math.nan
    return mean, std
