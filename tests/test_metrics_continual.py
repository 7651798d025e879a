"""The aggregates and the three forgetting definitions on hand-made score matrices."""

import pytest

from metrics.continual import (
    average_incremental_score,
    average_score,
    forgetting_best_minus_final,
    forgetting_best_minus_final_all,
    forgetting_coda,
    forgetting_first_minus_final,
    forgetting_mammoth,
    summarize,
)
import numpy as np

# R[t][i]: accuracy on task i after task t (3 tasks).
R = [
    [0.9, None, None],
    [0.6, 0.8, None],
    [0.7, 0.5, 1.0],
]


def test_average_and_incremental():
    assert average_score(R) == pytest.approx((0.7 + 0.5 + 1.0) / 3)
    assert average_incremental_score(R) == pytest.approx((0.9 + (0.6 + 0.8) / 2 + (0.7 + 0.5 + 1.0) / 3) / 3)


def test_best_minus_final():
    # task 0: best before last row = max(0.9, 0.6) = 0.9 -> 0.9 - 0.7 = 0.2; task 1: 0.8 - 0.5 = 0.3
    assert forgetting_best_minus_final(R) == pytest.approx((0.2 + 0.3) / 2)


def _lora_merging_reference(M: np.ndarray) -> float:
    # the LoRA-merging study's code, M[i, t] = score on task i after task t
    T = M.shape[0]
    return float(np.mean([np.max(M[i, i:]) - M[i, T - 1] for i in range(T)]))


def _mammoth_reference(results: list[list[float]]) -> float:
    # mammoth utils/metrics.py forgetting(): rows padded with 0, max over all rows (last included)
    n = len(results)
    padded = np.array([row + [0.0] * (n - len(row)) for row in results])
    best = padded.max(axis=0)
    return float(np.mean([best[i] - results[-1][i] for i in range(n - 1)]))


def test_best_including_last_row_variants_match_their_reference_code():
    rng = np.random.default_rng(0)
    for size in (2, 3, 5):
        lower = np.tril(rng.uniform(size=(size, size)))
        matrix = [[float(lower[t, i]) if i <= t else None for i in range(size)] for t in range(size)]
        assert forgetting_best_minus_final_all(matrix) == pytest.approx(_lora_merging_reference(lower.T))
        assert forgetting_mammoth(matrix) == pytest.approx(_mammoth_reference([list(lower[t, : t + 1]) for t in range(size)]))
    # a task that improves in the last row: Chaudhry's best-before-last gives a negative gap, the others 0
    improving = [[0.5, None], [0.9, 0.8]]
    assert forgetting_best_minus_final(improving) == pytest.approx(-0.4)
    assert forgetting_mammoth(improving) == 0.0 and forgetting_best_minus_final_all(improving) == 0.0


def test_best_minus_final_uses_the_best_not_the_first():
    rising = [[0.5, None, None], [0.9, 0.8, None], [0.6, 0.8, 1.0]]
    assert forgetting_best_minus_final(rising) == pytest.approx((0.3 + 0.0) / 2)
    assert forgetting_first_minus_final(rising) == pytest.approx((-0.1 + 0.0) / 2)


def test_first_minus_final():
    assert forgetting_first_minus_final(R) == pytest.approx(((0.9 - 0.7) + (0.8 - 0.5)) / 2)


def test_coda_prompt_definition():
    # t=2: (0.9-0.6)/1 ; t=3: ((0.6-0.7) + (0.8-0.5))/2 ; mean of the two
    assert forgetting_coda(R) == pytest.approx((0.3 + (-0.1 + 0.3) / 2) / 2)


def test_lower_is_better_flips_the_sign():
    fid = [[10.0, None], [30.0, 12.0]]
    assert forgetting_best_minus_final(fid, higher_is_better=False) == pytest.approx(20.0)
    assert forgetting_first_minus_final(fid, higher_is_better=False) == pytest.approx(20.0)
    assert forgetting_coda(fid, higher_is_better=False) == pytest.approx(20.0)
    best = [[10.0, None, None], [5.0, 9.0, None], [8.0, 9.0, 1.0]]
    assert forgetting_best_minus_final(best, higher_is_better=False) == pytest.approx((3.0 + 0.0) / 2)


def test_single_task_has_no_forgetting():
    summary = summarize([[0.5]], higher_is_better=True)
    assert summary["average"] == 0.5
    assert summary["forgetting_best_minus_final"] is None


def test_malformed_matrix_is_rejected():
    with pytest.raises(ValueError, match="missing entry"):
        average_score([[None, None], [0.1, 0.2]])


def test_a_drift_matrix_has_final_drift_and_no_forgetting():
    from metrics.continual import final_drift, summarize

    drift = [[0.0, None, None], [0.5, 0.0, None], [0.9, 0.3, 0.0]]
    assert final_drift(drift) == pytest.approx(0.6)  # (0.9 + 0.3) / 2: the diagonal's 0 never enters
    assert summarize(drift, False, "drift") == {"drift": pytest.approx(0.6)}
    assert summarize([[0.0]], False, "drift") == {"drift": None}
    assert "forgetting_best_minus_final" in summarize(drift, False)  # as a score it would have one


def test_metrics_declare_their_matrix_kind():
    from metrics import METRICS
    from metrics._registry import register_metric

    assert METRICS.get("drift_mmd").kind == "drift" and METRICS.get("judge_fd").kind == "score"
    with pytest.raises(ValueError, match="kind 'forgetting'"):
        register_metric("bad-kind", "t2i", False, "d", kind="forgetting")
