"""Distances between two sets of features: Frechet distance and kernel (KID) distance.

Both follow clean-fid's definitions (`cleanfid.fid.frechet_distance`, `kernel_distance`),
which the tests check them against.
"""

from __future__ import annotations

import warnings

import numpy as np


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    features = np.asarray(features, dtype=np.float64)
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray, eps: float = 1e-6) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) (Heusel et al., 2017)."""
    from scipy import linalg  # scipy loads only when a distance is computed

    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    diff = mu1 - mu2
    with warnings.catch_warnings():  # a singular product is handled just below
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        covmean = linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"Frechet distance: sqrtm has an imaginary component {np.max(np.abs(covmean.imag)):.3g} (as clean-fid, refused)")
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def frechet_distance_of_features(features1: np.ndarray, features2: np.ndarray) -> float:
    return frechet_distance(*feature_statistics(features1), *feature_statistics(features2))


def small_sample_warning(features1: np.ndarray, features2: np.ndarray) -> str | None:
    """Frechet distance with fewer samples than feature dimensions is biased and its covariance
    singular: the warning to store beside such a score (None when both sets have n >= d)."""
    n, d = min(len(features1), len(features2)), np.asarray(features1).shape[1]
    if n >= d:
        return None
    return f"Frechet distance from {n} samples in {d} dimensions (n < d): biased, singular covariance; read KID instead"


def kernel_distance(
    features1: np.ndarray,
    features2: np.ndarray,
    num_subsets: int = 100,  # clean-fid's default
    max_subset_size: int = 1000,
    rng: np.random.Generator | np.random.RandomState | None = None,
) -> float:
    """Unbiased MMD^2 with the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over
    random equal-size subsets (Binkowski et al., 2018). Subsets are drawn from `rng`."""
    rng = np.random.default_rng(0) if rng is None else rng
    features1 = np.asarray(features1, dtype=np.float64)
    features2 = np.asarray(features2, dtype=np.float64)
    dim = features1.shape[1]
    m = min(features1.shape[0], features2.shape[0], max_subset_size)
    total = 0.0
    for _ in range(num_subsets):
        x = features2[rng.choice(features2.shape[0], m, replace=False)]
        y = features1[rng.choice(features1.shape[0], m, replace=False)]
        a = (x @ x.T / dim + 1) ** 3 + (y @ y.T / dim + 1) ** 3
        b = (x @ y.T / dim + 1) ** 3
        total += (a.sum() - np.diag(a).sum()) / (m - 1) - b.sum() * 2 / m
    return float(total / num_subsets / m)
