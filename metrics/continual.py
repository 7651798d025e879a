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


def forgetting_best_minus_final(matrix: Matrix, higher_is_better: bool = True) -> Optional[float]:
    """Mean over i < T of (best score on task i in rows i..T-1, before the last task) minus the
    final score on i (Chaudhry et al., 2018)."""
    size = _check(matrix)
    if size < 2:
        return None
    drop = _drop(higher_is_better)
    pick = max if higher_is_better else min
    return _mean([drop(pick(matrix[t][i] for t in range(i, size - 1)), matrix[-1][i]) for i in range(size - 1)])


def forgetting_mammoth(matrix: Matrix, higher_is_better: bool = True) -> Optional[float]:
    """Mammoth's `utils.metrics.forgetting`: mean over i < T of (best score on task i over every
    row, the last included) minus the final score on i; each gap is >= 0."""
    size = _check(matrix)
    if size < 2:
        return None
    drop = _drop(higher_is_better)
    pick = max if higher_is_better else min
    return _mean([drop(pick(matrix[t][i] for t in range(i, size)), matrix[-1][i]) for i in range(size - 1)])


def forgetting_best_minus_final_all(matrix: Matrix, higher_is_better: bool = True) -> Optional[float]:
    """The LoRA-merging study's code: mean over all T tasks of max(M[i, i:]) - M[i, T-1], the best
    taken over every row t >= i including the last (so each gap is >= 0 and the last task's is 0)."""
    size = _check(matrix)
    if size < 2:
        return None
    drop = _drop(higher_is_better)
    pick = max if higher_is_better else min
    return _mean([drop(pick(matrix[t][i] for t in range(i, size)), matrix[-1][i]) for i in range(size)])


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
    "forgetting_best_minus_final": "mean over i<T of best-before-last R[t][i] (i<=t<T) minus final R[T][i] (Chaudhry et al.)",
    "forgetting_mammoth": "mean over i<T of best R[t][i] over every row i<=t<=T, the last included, minus final R[T][i] (Mammoth)",
    "forgetting_best_minus_final_all": "mean over all T tasks of best R[t][i] over i<=t<=T (last row included) minus final R[T][i] (LoRA-merging study's code)",
    "forgetting_first_minus_final": "mean over i<T of R[i][i] minus R[T][i] (Avalanche functional.forgetting)",
    "forgetting_coda": "(1/(T-1)) sum_t mean_{i<t} R[t-1][i] - R[t][i] (CODA-Prompt calc_forgetting)",
}


def summarize(matrix: Matrix, higher_is_better: bool) -> dict[str, Optional[float]]:
    """Every aggregate of one complete score matrix, keyed by the names the leaderboard uses."""
    return {
        "average": average_score(matrix),
        "average_incremental": average_incremental_score(matrix),
        "forgetting_best_minus_final": forgetting_best_minus_final(matrix, higher_is_better),
        "forgetting_mammoth": forgetting_mammoth(matrix, higher_is_better),
        "forgetting_best_minus_final_all": forgetting_best_minus_final_all(matrix, higher_is_better),
        "forgetting_first_minus_final": forgetting_first_minus_final(matrix, higher_is_better),
        "forgetting_coda": forgetting_coda(matrix, higher_is_better),
    }
