"""MMD with the polynomial kernel of KID on C-LoRA's scale, for whole feature sets of unequal sizes.

C-LoRA scores a concept by the MMD between CLIP image features of generated images and of the
concept's real images, with a polynomial kernel, and its forgetting by the same MMD between a
concept's samples right after it was learned and after a later task (the track's `drift_mmd`,
multiplied by the evaluation's `mmd_scale`). Its tables print the values multiplied by 10^3
(`MMD_SCALE`). The estimator is `metrics.mmd.mmd_squared`: the unbiased MMD^2 of Gretton et al.
(2012) with KID's kernel (x.y / d + 1)^3, which for equal sizes is KID's per-subset term.
"""

from __future__ import annotations

import numpy as np

from metrics.mmd import mmd_squared

MMD_SCALE = 1e3


def polynomial_mmd2(features1: np.ndarray, features2: np.ndarray) -> float:
    """Unbiased MMD^2 between two feature sets of one width (sizes m, n >= 2)."""
    x, y = np.asarray(features1, dtype=np.float64), np.asarray(features2, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"MMD needs two 2-D feature arrays of one width, got {x.shape} and {y.shape}")
    return mmd_squared(x, y)


def mmd_on_clora_scale(features1: np.ndarray, features2: np.ndarray) -> float:
    """C-LoRA's reported number: polynomial-kernel MMD^2 x 10^3."""
    return MMD_SCALE * polynomial_mmd2(features1, features2)
