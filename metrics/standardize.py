"""Features standardized on a real reference set, for kernels designed on another feature space.

KID's kernel (x.y / d + 1)^3 was designed for Inception pool features (Binkowski et al., 2018),
where x.y / d is of order 1. On raw judge features (norms near 95) the same kernel reaches ~1e6,
so its MMD^2 has no readable scale. Every judge-feature kernel distance here first maps each
dimension to z-scores of the real reference set: (f - mean_ref) / std_ref (sample std; a
dimension constant on the reference set is only centred). Distances between two generated sets
(C-LoRA's drift) use the same map, taken from the concept's real images.
"""

from __future__ import annotations

import numpy as np


def standardize_on(reference: np.ndarray, *features: np.ndarray) -> list[np.ndarray]:
    """Each of `features` in z-scores of `reference`'s per-dimension mean and sample std."""
    reference = np.asarray(reference, dtype=np.float64)
    if reference.ndim != 2 or reference.shape[0] < 2:
        raise ValueError(f"standardizing needs a 2-D reference set of at least two rows, got shape {reference.shape}")
    mean = reference.mean(axis=0)
    std = reference.std(axis=0, ddof=1)
    std = np.where(std > 0, std, 1.0)
    return [(np.asarray(f, dtype=np.float64) - mean) / std for f in features]
