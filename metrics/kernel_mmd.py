"""MMD with the polynomial kernel of KID, on whole feature sets of unequal sizes.

C-LoRA scores a concept by the MMD between CLIP image features of generated images and of the
concept's real images, with a polynomial kernel, and its forgetting by the same MMD between a
concept's samples right after it was learned and after a later task. Its tables print the
values multiplied by 10^3 (`MMD_SCALE`). The kernel is KID's, k(x, y) = (x.y / d + 1)^3
(Binkowski et al., 2018), and the estimate is the unbiased MMD^2 of Gretton et al. (2012),
Lemma 6, which for equal sizes is exactly the per-subset term of KID.
"""

from __future__ import annotations

import numpy as np

MMD_SCALE = 1e3


def polynomial_kernel(x: np.ndarray, y: np.ndarray, degree: int = 3, coef: float = 1.0) -> np.ndarray:
    """k(x, y) = (x.y / d + coef)^degree for every pair of rows; d is the feature dimension."""
    return (x @ y.T / x.shape[1] + coef) ** degree


def polynomial_mmd2(features1: np.ndarray, features2: np.ndarray, degree: int = 3, coef: float = 1.0) -> float:
    """Unbiased MMD^2 between two sets (sizes m, n >= 2): mean off-diagonal k within each set
    minus twice the mean k across them."""
    x = np.asarray(features1, dtype=np.float64)
    y = np.asarray(features2, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"MMD needs two 2-D feature arrays of one width, got {x.shape} and {y.shape}")
    m, n = x.shape[0], y.shape[0]
    if m < 2 or n < 2:
        raise ValueError(f"unbiased MMD needs at least 2 features per set, got {m} and {n}")
    k_xx = polynomial_kernel(x, x, degree, coef)
    k_yy = polynomial_kernel(y, y, degree, coef)
    k_xy = polynomial_kernel(x, y, degree, coef)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * k_xy.mean())


def mmd_on_clora_scale(features1: np.ndarray, features2: np.ndarray) -> float:
    """C-LoRA's reported number: polynomial-kernel MMD^2 x 10^3."""
    return MMD_SCALE * polynomial_mmd2(features1, features2)


def drift_mmd(features_just_learned: np.ndarray, features_now: np.ndarray) -> float:
    """C-LoRA's forgetting entry D[t][i]: how far concept i's samples after task t moved from its
    samples right after task i, on the same scale as `mmd_on_clora_scale`."""
    return mmd_on_clora_scale(features_just_learned, features_now)
