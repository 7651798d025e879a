"""Features standardized on a real reference set, for kernels designed on another feature space.

KID's kernel (x.y / d + 1)^3 was designed for Inception pool features (Binkowski et al., 2018),
where x.y / d is of order 1. On raw judge features (norms near 95) the same kernel reaches ~1e6,
so its MMD^2 has no readable scale. Every judge-feature kernel distance here first centres the
features on the real reference set's mean and divides them by its root-mean-square per-dimension
std (one scalar), so x.y / d is of order 1 on the reference set while the features' geometry
(the relative weight of dimensions) stays the judge's. Per-dimension z-scores were tried and
dropped: dimensions nearly constant on a task's two classes get huge z-scores on samples of
other classes (KID 35,584 for wrong-class digits against 6-110 here; docs/t2i-lora-family.md).
Distances between two generated sets (C-LoRA's drift) use the map of the concept's real images.
"""

from __future__ import annotations

import numpy as np


def standardize_on(reference: np.ndarray, *features: np.ndarray) -> list[np.ndarray]:
    """Each of `features` centred on `reference`'s mean and divided by its RMS per-dimension sample std."""
    reference = np.asarray(reference, dtype=np.float64)
    if reference.ndim != 2 or reference.shape[0] < 2:
        raise ValueError(f"standardizing needs a 2-D reference set of at least two rows, got shape {reference.shape}")
    scale = float(np.sqrt(reference.var(axis=0, ddof=1).mean()))
    if not scale > 0:
        raise ValueError("standardizing needs a reference set with some spread; all its rows are equal")
    mean = reference.mean(axis=0)
    return [(np.asarray(f, dtype=np.float64) - mean) / scale for f in features]
