"""Continual-learning aggregates: pure functions of one score matrix.

`matrix[t][i]` is a metric on task i after learning task t (0-indexed; entries with i > t
are None). For a lower-is-better metric the forgetting differences are negated, so positive
forgetting always means "got worse".
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

Matrix = Sequence[Sequence[Optional[float]]]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _check(matrix: Matrix) -> int:
    size = len(matrix)
    for t, row in enumerate(matrix):
        if len(row) != size:
            raise ValueError(f"score matrix row {t} has {len(row)} entries, expected {size}")
        if any(row[i] is None for i in range(t + 1)):
            raise ValueError(f"score matrix row {t} has a missing entry at or below the diagonal")
    return size


def average_score(matrix: Matrix) -> float:
    """Mean of the last row: every task's score after the whole sequence."""
    size = _check(matrix)
    return _mean([matrix[-1][i] for i in range(size)])


def average_incremental_score(matrix: Matrix) -> float:
    """Mean over rows t of the mean score on the tasks seen so far."""
    size = _check(matrix)
    return _mean([_mean([matrix[t][i] for i in range(t + 1)]) for t in range(size)])


def _drop(higher_is_better: bool) -> Callable[[float, float], float]:
    """How much worse `later` is than `earlier`, in the metric's direction."""
    return (lambda earlier, later: earlier - later) if higher_is_better else (lambda earlier, later: later - earlier)


def forgetting_best_minus_final(matrix: Matrix, higher_is_better: bool = True, divide_by_all_tasks: bool = False) -> Optional[float]:
    """Mean over i < T of (best score on task i before the last task) - (final score on i)
    (Chaudhry et al., 2018; Mammoth). With `divide_by_all_tasks` the sum is divided by T, the
    last task contributing zero, as the LoRA-merging study's code does."""
    size = _check(matrix)
    if size < 2:
        return None
    drop = _drop(higher_is_better)
    pick = max if higher_is_better else min
    gaps = [drop(pick(matrix[t][i] for t in range(i, size - 1)), matrix[-1][i]) for i in range(size - 1)]
    return sum(gaps) / (size if divide_by_all_tasks else size - 1)


def forgetting_first_minus_final(matrix: Matrix, higher_is_better: bool = True) -> Optional[float]:
    """Mean over i < T of the score just after learning task i minus the final score
    (Avalanche's `functional.forgetting`)."""
    size = _check(matrix)
    if size < 2:
        return None
    drop = _drop(higher_is_better)
    return _mean([drop(matrix[i][i], matrix[-1][i]) for i in range(size - 1)])


def forgetting_coda(matrix: Matrix, higher_is_better: bool = True) -> Optional[float]:
    """CODA-Prompt's `calc_forgetting`: (1/(T-1)) sum_{t=2..T} (1/(t-1)) sum_{i<t} (R[t-1][i] - R[t][i])."""
    size = _check(matrix)
    if size < 2:
        return None
    drop = _drop(higher_is_better)
    per_step = [_mean([drop(matrix[t - 1][i], matrix[t][i]) for i in range(t)]) for t in range(1, size)]
    return _mean(per_step)


FORGETTING_DEFINITIONS: dict[str, str] = {
    "forgetting_best_minus_final": "mean over i<T of best-before-last R[t][i] minus final R[T][i] (Chaudhry et al.; Mammoth)",
    "forgetting_best_minus_final_all": "as best-minus-final but divided by T, the last task counting zero (LoRA-merging study's code)",
    "forgetting_first_minus_final": "mean over i<T of R[i][i] minus R[T][i] (Avalanche functional.forgetting)",
    "forgetting_coda": "(1/(T-1)) sum_t mean_{i<t} R[t-1][i] - R[t][i] (CODA-Prompt calc_forgetting)",
}


def summarize(matrix: Matrix, higher_is_better: bool) -> dict[str, Optional[float]]:
    """Every aggregate of one complete score matrix, keyed by the names the leaderboard uses."""
    return {
        "average": average_score(matrix),
        "average_incremental": average_incremental_score(matrix),
        "forgetting_best_minus_final": forgetting_best_minus_final(matrix, higher_is_better),
        "forgetting_best_minus_final_all": forgetting_best_minus_final(matrix, higher_is_better, divide_by_all_tasks=True),
        "forgetting_first_minus_final": forgetting_first_minus_final(matrix, higher_is_better),
        "forgetting_coda": forgetting_coda(matrix, higher_is_better),
    }
