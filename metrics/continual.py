"""Continual-learning aggregates: pure functions of one score matrix.

`matrix[t][i]` is a metric on task i after learning task t (0-indexed; entries with i > t
are None). For a lower-is-better metric the forgetting differences are negated, so positive
forgetting always means "got worse".

A run on a sparse evaluation schedule (harness/eval_schedule.py) always has the diagonal and
the last row; its other rows are either full or hold only their diagonal entry. Each aggregate
says which rows it reads (`NEEDS`): one that needs every row is None on a sparse matrix;
best-minus-final and its variants take the best over the rows present; average and
first-minus-final read only the diagonal and the last row, so they are exact on any schedule.
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
        if row[t] is None:
            raise ValueError(f"score matrix row {t} has a missing entry on the diagonal")
        if t == size - 1 and any(row[i] is None for i in range(t + 1)):
            raise ValueError("score matrix last row has a missing entry")
    return size


def full_rows(matrix: Matrix) -> list[int]:
    """The rows t that score every seen task i <= t."""
    return [t for t, row in enumerate(matrix) if all(row[i] is not None for i in range(t + 1))]


def is_sparse(matrix: Matrix) -> bool:
    return len(full_rows(matrix)) < len(matrix)


def average_score(matrix: Matrix) -> float:
    """Mean of the last row: every task's score after the whole sequence."""
    size = _check(matrix)
    return _mean([matrix[-1][i] for i in range(size)])


def average_incremental_score(matrix: Matrix) -> Optional[float]:
    """Mean over rows t of the mean score on the tasks seen so far (every row needed)."""
    size = _check(matrix)
    if is_sparse(matrix):
        return None
    return _mean([_mean([matrix[t][i] for i in range(t + 1)]) for t in range(size)])


def _drop(higher_is_better: bool) -> Callable[[float, float], float]:
    """How much worse `later` is than `earlier`, in the metric's direction."""
    return (lambda earlier, later: earlier - later) if higher_is_better else (lambda earlier, later: later - earlier)


def _best(pick: Callable, matrix: Matrix, i: int, stop: int) -> float:
    """Best score on task i over the rows i <= t < stop that scored it (the diagonal always did)."""
    return pick(matrix[t][i] for t in range(i, stop) if matrix[t][i] is not None)


def forgetting_best_minus_final(matrix: Matrix, higher_is_better: bool = True) -> Optional[float]:
    """Mean over i < T of (best score on task i in rows i..T-1, before the last task) minus the
    final score on i (Chaudhry et al., 2018)."""
    size = _check(matrix)
    if size < 2:
        return None
    drop = _drop(higher_is_better)
    pick = max if higher_is_better else min
    return _mean([drop(_best(pick, matrix, i, size - 1), matrix[-1][i]) for i in range(size - 1)])


def forgetting_mammoth(matrix: Matrix, higher_is_better: bool = True) -> Optional[float]:
    """Mammoth's `utils.metrics.forgetting`: mean over i < T of (best score on task i over every
    row, the last included) minus the final score on i; each gap is >= 0."""
    size = _check(matrix)
    if size < 2:
        return None
    drop = _drop(higher_is_better)
    pick = max if higher_is_better else min
    return _mean([drop(_best(pick, matrix, i, size), matrix[-1][i]) for i in range(size - 1)])


def forgetting_best_minus_final_all(matrix: Matrix, higher_is_better: bool = True) -> Optional[float]:
    """The LoRA-merging study's code: mean over all T tasks of max(M[i, i:]) - M[i, T-1], the best
    taken over every row t >= i including the last (so each gap is >= 0 and the last task's is 0)."""
    size = _check(matrix)
    if size < 2:
        return None
    drop = _drop(higher_is_better)
    pick = max if higher_is_better else min
    return _mean([drop(_best(pick, matrix, i, size), matrix[-1][i]) for i in range(size)])


def forgetting_first_minus_final(matrix: Matrix, higher_is_better: bool = True) -> Optional[float]:
    """Mean over i < T of the score just after learning task i minus the final score
    (Avalanche's `functional.forgetting`)."""
    size = _check(matrix)
    if size < 2:
        return None
    drop = _drop(higher_is_better)
    return _mean([drop(matrix[i][i], matrix[-1][i]) for i in range(size - 1)])


def forgetting_coda(matrix: Matrix, higher_is_better: bool = True) -> Optional[float]:
    """CODA-Prompt's `calc_forgetting`: (1/(T-1)) sum_{t=2..T} (1/(t-1)) sum_{i<t} (R[t-1][i] - R[t][i])
    (every row needed)."""
    size = _check(matrix)
    if size < 2 or is_sparse(matrix):
        return None
    drop = _drop(higher_is_better)
    per_step = [_mean([drop(matrix[t - 1][i], matrix[t][i]) for i in range(t)]) for t in range(1, size)]
    return _mean(per_step)


# which rows each aggregate reads: "last" and "diagonal+last" are exact on any schedule, "present"
# takes the best over the rows a sparse schedule kept, "all" is None on a sparse matrix
NEEDS: dict[str, str] = {
    "average": "last", "average_incremental": "all", "forgetting_best_minus_final": "present", "forgetting_mammoth": "present",
    "forgetting_best_minus_final_all": "present", "forgetting_first_minus_final": "diagonal+last", "forgetting_coda": "all",
}

FORGETTING_DEFINITIONS: dict[str, str] = {
    "forgetting_best_minus_final": "mean over i<T of best-before-last R[t][i] (i<=t<T) minus final R[T][i] (Chaudhry et al.)",
    "forgetting_mammoth": "mean over i<T of best R[t][i] over every row i<=t<=T, the last included, minus final R[T][i] (Mammoth)",
    "forgetting_best_minus_final_all": "mean over all T tasks of best R[t][i] over i<=t<=T (last row included) minus final R[T][i] (LoRA-merging study's code)",
    "forgetting_first_minus_final": "mean over i<T of R[i][i] minus R[T][i] (Avalanche functional.forgetting)",
    "forgetting_coda": "(1/(T-1)) sum_t mean_{i<t} R[t-1][i] - R[t][i] (CODA-Prompt calc_forgetting)",
}


def final_drift(matrix: Matrix) -> Optional[float]:
    """C-LoRA's F_MMD: mean over i < T of D[T][i], how far each earlier task's samples moved by the
    end (the diagonal, D[i][i] = 0 by definition, never enters)."""
    size = _check(matrix)
    return None if size < 2 else _mean([matrix[-1][i] for i in range(size - 1)])


DRIFT_DEFINITIONS: dict[str, str] = {"drift": "mean over i<T of D[T][i] (C-LoRA's F_MMD; the diagonal D[i][i] = 0 is left out)"}


def summarize(matrix: Matrix, higher_is_better: bool, kind: str = "score") -> dict[str, Optional[float]]:
    """Every aggregate of one complete matrix, keyed by the names the leaderboard uses: a score
    matrix's averages and forgetting, a drift matrix's final drift (a drift has no forgetting)."""
    if kind == "drift":
        return {"drift": final_drift(matrix)}
    return {
        "average": average_score(matrix),
        "average_incremental": average_incremental_score(matrix),
        "forgetting_best_minus_final": forgetting_best_minus_final(matrix, higher_is_better),
        "forgetting_mammoth": forgetting_mammoth(matrix, higher_is_better),
        "forgetting_best_minus_final_all": forgetting_best_minus_final_all(matrix, higher_is_better),
        "forgetting_first_minus_final": forgetting_first_minus_final(matrix, higher_is_better),
        "forgetting_coda": forgetting_coda(matrix, higher_is_better),
    }
