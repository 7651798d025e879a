"""Maximum mean discrepancy with a polynomial kernel (C-LoRA's distribution distance).

Unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3, the kernel of KID (Binkowski et al., 2018),
on all pairs of the two sets (no subsets), so it is a deterministic function of the features.

Two estimators: `mmd_squared` for two independent sets (Gretton et al., 2012, Eq. 3), and
`paired_mmd_squared` for paired sets, where row i of both sets comes from one draw (the same
noise and prompt, sampled by the model then and now). The unpaired estimator is biased on
paired rows: its cross term includes k(x_i, y_i), which pairing inflates, so an unchanged
model scores -2/n (mean k(x_i, x_i) - mean k(x_i, x_j)), far below zero.
"""

from __future__ import annotations

import numpy as np


def polynomial_kernel(x: np.ndarray, y: np.ndarray, degree: int = 3) -> np.ndarray:
    return (x @ y.T / x.shape[1] + 1.0) ** degree


def _off_diagonal_sum(kernel: np.ndarray) -> float:
    return float(kernel.sum() - np.trace(kernel))


def mmd_squared(features1: np.ndarray, features2: np.ndarray, degree: int = 3) -> float:
    """Unbiased MMD^2 between two independent sets of feature rows (each set needs at least two rows)."""
    x = np.asarray(features1, dtype=np.float64)
    y = np.asarray(features2, dtype=np.float64)
    m, n = x.shape[0], y.shape[0]
    if m < 2 or n < 2:
        raise ValueError(f"MMD needs at least two samples per set, got {m} and {n}")
    kxx, kyy, kxy = polynomial_kernel(x, x, degree), polynomial_kernel(y, y, degree), polynomial_kernel(x, y, degree)
    within_x = _off_diagonal_sum(kxx) / (m * (m - 1))
    within_y = _off_diagonal_sum(kyy) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * kxy.mean())


def paired_mmd_squared(then: np.ndarray, now: np.ndarray, degree: int = 3) -> float:
    """Unbiased MMD^2 from paired rows z_i = (then_i, now_i): the U-statistic over i != j of
    h(z_i, z_j) = k(x_i, x_j) + k(y_i, y_j) - k(x_i, y_j) - k(x_j, y_i).

    Unbiased because each term pairs rows of different draws; exactly 0 when `now` equals `then`
    (the sums below are then a + a - 2a of bit-equal blocks)."""
    x = np.asarray(then, dtype=np.float64)
    y = np.asarray(now, dtype=np.float64)
    if x.ndim != 2 or x.shape != y.shape:
        raise ValueError(f"paired MMD needs two 2-D feature arrays of one shape (row i of both from one draw), got {x.shape} and {y.shape}")
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"paired MMD needs at least two pairs, got {n}")
    stacked = np.concatenate([x, y])
    # einsum's own loop reduces every entry in one order, so equal rows give bit-equal kernel values
    # (BLAS does not promise that between x @ x.T and x @ y.T), which makes the unchanged case exactly 0
    kernel = (np.einsum("id,jd->ij", stacked, stacked) / x.shape[1] + 1.0) ** degree
    within = _off_diagonal_sum(kernel[:n, :n]) + _off_diagonal_sum(kernel[n:, n:])
    cross = 2.0 * _off_diagonal_sum(kernel[:n, n:])  # sum over i != j of k(x_i, y_j) + k(x_j, y_i)
    return float((within - cross) / (n * (n - 1)))
