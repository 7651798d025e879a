"""Mean and sample standard deviation over seeds, and the best/second marks of a column."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence


@dataclass(frozen=True)
class Stat:
    """A cell: the mean over seeds, the sample std (n - 1; None for one seed) and the seed count
    (None for a reported number, whose seed count the paper states in its own text)."""

    mean: float
    std: Optional[float]
    n: Optional[int]

    def as_json(self) -> dict[str, Optional[float]]:
        return {"mean": self.mean, "std": self.std, "n": self.n}


def over_seeds(values: Sequence[Optional[float]]) -> Optional[Stat]:
    """None when any seed lacks the value (e.g. forgetting of a one-task bench)."""
    if not values or any(v is None for v in values):
        return None
    n = len(values)
    mean = math.fsum(values) / n
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return Stat(mean, std, n)


def decimals_for(means: Sequence[float]) -> int:
    """One precision per column: 3 decimals, 5 when every value is tiny (KID-like)."""
    largest = max((abs(m) for m in means), default=0.0)
    return 3 if largest >= 0.01 or largest == 0.0 else 5


def marks(means: Sequence[Optional[float]], higher_is_better: bool, decimals: int) -> list[str]:
    """'best', 'second' or '' per value, compared as displayed (ties share a mark)."""
    shown = sorted({round(m, decimals) for m in means if m is not None}, reverse=higher_is_better)
    rank = {value: ("best" if i == 0 else "second" if i == 1 else "") for i, value in enumerate(shown)}
    return [rank[round(m, decimals)] if m is not None else "" for m in means]
