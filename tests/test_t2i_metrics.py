"""C-LoRA's MMD against two references, and the drift metric's definition."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from metrics.distances import kernel_distance
from metrics.mmd import mmd_squared


def _loop_mmd(x: np.ndarray, y: np.ndarray) -> float:
    k = lambda a, b: (a @ b / a.shape[0] + 1.0) ** 3  # noqa: E731
    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(n), 2)) / (n * (n - 1))
    xy = sum(k(a, b) for a in x for b in y) / (m * n)
    return xx + yy - 2 * xy


def test_mmd_matches_a_loop_reference_with_unequal_sizes():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 5)), rng.normal(0.5, 1.0, size=(9, 5))
    assert mmd_squared(x, y) == pytest.approx(_loop_mmd(x, y), rel=1e-10)


def test_mmd_equals_kid_on_whole_equal_sized_sets():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(12, 4)), rng.normal(0.3, 1.2, size=(12, 4))
    assert mmd_squared(x, y) == pytest.approx(kernel_distance(x, y, num_subsets=1, rng=np.random.default_rng(3)), rel=1e-10)


def test_mmd_of_a_set_with_itself_is_near_zero_and_grows_with_shift():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(40, 6))
    near = mmd_squared(x[:20], x[20:])
    far = mmd_squared(x[:20], x[20:] + 2.0)
    assert abs(near) < far
