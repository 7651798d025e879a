"""The aggregates and the three forgetting definitions on hand-made score matrices."""

import pytest

from metrics.continual import (
    average_incremental_score,
    average_score,
    forgetting_best_minus_final,
    forgetting_coda,
    forgetting_first_minus_final,
    summarize,
)

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
    assert forgetting_best_minus_final(R, divide_by_all_tasks=True) == pytest.approx((0.2 + 0.3) / 3)


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
