"""The paired MMD^2 of C-LoRA's drift (metrics.mmd.paired_mmd_squared): exactly 0 for an unchanged
model, equal to a loop over the U-statistic's pairs, and unbiased (it agrees with the unpaired
estimator on independent sets of the same two distributions within the standard errors)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from metrics.mmd import mmd_squared, paired_mmd_squared


def _kernel(a: np.ndarray, b: np.ndarray) -> float:
    return (float(a @ b) / len(a) + 1.0) ** 3


def _loop_paired(x: np.ndarray, y: np.ndarray) -> float:
    n = len(x)
    h = [_kernel(x[i], x[j]) + _kernel(y[i], y[j]) - _kernel(x[i], y[j]) - _kernel(x[j], y[i]) for i in range(n) for j in range(n) if i != j]
    return sum(h) / (n * (n - 1))


def _h_matrix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    k = lambda a, b: (a @ b.T / a.shape[1] + 1.0) ** 3  # noqa: E731
    kxy = k(x, y)
    h = k(x, x) + k(y, y) - kxy - kxy.T
    np.fill_diagonal(h, 0.0)
    return h


def _u_standard_error(h: np.ndarray) -> float:
    """First-order (Hoeffding) standard error of a U-statistic of order 2: 2 sd(h_1) / sqrt(n)."""
    n = len(h)
    h1 = h.sum(axis=1) / (n - 1)
    return float(2.0 * h1.std(ddof=1) / np.sqrt(n))


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 12), st.integers(1, 8)), elements=st.floats(-100, 100)))
def test_unchanged_model_scores_exactly_zero(features: np.ndarray) -> None:
    assert paired_mmd_squared(features, features.copy()) == 0.0


def test_paired_estimator_equals_the_loop_over_pairs() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(9, 5))
    y = x + rng.normal(0.5, 0.3, size=x.shape)
    assert paired_mmd_squared(x, y) == pytest.approx(_loop_paired(x, y), rel=1e-12)
    assert paired_mmd_squared(x, y) == pytest.approx(_h_matrix(x, y).sum() / (9 * 8), rel=1e-12)


def test_known_shift_agrees_with_the_unpaired_estimator_within_its_standard_error() -> None:
    """y_i = x_i + shift + noise (paired, strongly correlated with x_i); the unpaired estimator on
    fresh, independent draws of the same two laws estimates the same MMD^2 without bias."""
    rng = np.random.default_rng(1)
    n, dim, shift = 1500, 6, 0.4
    x = rng.normal(size=(n, dim))
    y = x + shift + 0.2 * rng.normal(size=(n, dim))
    paired = paired_mmd_squared(x, y)
    x2 = rng.normal(size=(n, dim))
    y2 = rng.normal(size=(n, dim)) + shift + 0.2 * rng.normal(size=(n, dim))
    unpaired = mmd_squared(x2, y2)
    se = _u_standard_error(_h_matrix(x, y))
    assert paired > 10 * se  # the shift is detected
    assert abs(paired - unpaired) < 3 * np.hypot(se, se)  # the unpaired SE taken as the paired one's


def test_bad_pairs_are_refused() -> None:
    with pytest.raises(ValueError, match="one shape"):
        paired_mmd_squared(np.zeros((4, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="at least two pairs"):
        paired_mmd_squared(np.zeros((1, 3)), np.zeros((1, 3)))
