"""Maximum mean discrepancy with a polynomial kernel (C-LoRA's distribution distance).

Unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3, the kernel of KID (Binkowski et al., 2018),
on all pairs of the two sets (no subsets), so it is a deterministic function of the features.
"""

from __future__ import annotations

import numpy as np


def polynomial_kernel(x: np.ndarray, y: np.ndarray, degree: int = 3) -> np.ndarray:
    return (x @ y.T / x.shape[1] + 1.0) ** degree


def mmd_squared(features1: np.ndarray, features2: np.ndarray, degree: int = 3) -> float:
    """Unbiased MMD^2 between two sets of feature rows (each set needs at least two rows)."""
    x = np.asarray(features1, dtype=np.float64)
    y = np.asarray(features2, dtype=np.float64)
    m, n = x.shape[0], y.shape[0]
    if m < 2 or n < 2:
        raise ValueError(f"MMD needs at least two samples per set, got {m} and {n}")
    kxx, kyy, kxy = polynomial_kernel(x, x, degree), polynomial_kernel(y, y, degree), polynomial_kernel(x, y, degree)
    within_x = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    within_y = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * kxy.mean())
