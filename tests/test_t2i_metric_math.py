"""t2i metric math on fixed features: the polynomial MMD (metrics.mmd, used by mmd_clip; the
track's drift uses its paired form, tests/test_paired_mmd.py) against torchmetrics' KID term, clean-fid and a loop; alignment scores against loops."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from metrics import alignment, kernel_mmd
from metrics.mmd import paired_mmd_squared


def _features(seed: int, n: int, dim: int = 12, shift: float = 0.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(shift, 1.0, size=(n, dim))


def _loop_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    d = x.shape[1]
    k = lambda a, b: (float(a @ b) / d + 1.0) ** 3  # noqa: E731
    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_polynomial_mmd_matches_torchmetrics_kid_term_on_equal_sizes() -> None:
    from torchmetrics.image.kid import poly_mmd

    x, y = _features(0, 20), _features(1, 20, shift=0.3)
    expected = float(poly_mmd(torch.from_numpy(x), torch.from_numpy(y)))
    assert kernel_mmd.polynomial_mmd2(x, y) == pytest.approx(expected, rel=1e-10)


def test_polynomial_mmd_matches_clean_fid_kernel_distance_on_one_whole_subset() -> None:
    from cleanfid.fid import kernel_distance

    x, y = _features(2, 16), _features(3, 16, shift=0.5)
    np.random.seed(0)  # clean-fid draws its subset with np.random; one subset of all rows is a permutation
    expected = kernel_distance(x, y, num_subsets=1, max_subset_size=16)
    assert kernel_mmd.polynomial_mmd2(x, y) == pytest.approx(expected, rel=1e-10)


def test_polynomial_mmd_on_unequal_sizes_matches_a_loop_and_clora_scale() -> None:
    x, y = _features(4, 9), _features(5, 14, shift=0.4)
    assert kernel_mmd.polynomial_mmd2(x, y) == pytest.approx(_loop_mmd2(x, y), rel=1e-10)
    assert kernel_mmd.mmd_on_clora_scale(x, y) == pytest.approx(1e3 * _loop_mmd2(x, y), rel=1e-10)


def test_unpaired_estimator_on_one_set_twice_is_the_negative_floor_the_paired_one_removes() -> None:
    """Why drift uses the paired estimator: the unpaired one (KID's term, as torchmetrics and
    clean-fid compute it) gives -2/(m-1) * (mean k(x_i, x_i) - mean k(x_i, x_j)) < 0 for one set
    against itself (an unchanged model); the paired one gives exactly 0."""
    from cleanfid.fid import kernel_distance
    from torchmetrics.image.kid import poly_mmd

    x = _features(8, 12)
    m, kernel = len(x), (x @ x.T / x.shape[1] + 1.0) ** 3
    floor = -2.0 / (m - 1) * (np.trace(kernel) / m - kernel.mean())
    assert floor < 0
    assert kernel_mmd.polynomial_mmd2(x, x) == pytest.approx(floor, rel=1e-10)
    assert kernel_mmd.polynomial_mmd2(x, x) == pytest.approx(float(poly_mmd(torch.from_numpy(x), torch.from_numpy(x))), rel=1e-10)
    assert kernel_mmd.polynomial_mmd2(x, x) == pytest.approx(kernel_distance(x, x, num_subsets=1, max_subset_size=m), rel=1e-10)
    assert paired_mmd_squared(x, x.copy()) == 0.0


def test_mmd_separates_shifted_sets_and_rejects_bad_shapes() -> None:
    near = kernel_mmd.polynomial_mmd2(_features(6, 30), _features(7, 30))
    far = kernel_mmd.polynomial_mmd2(_features(6, 30), _features(7, 30, shift=1.0))
    assert far > 10 * abs(near)
    with pytest.raises(ValueError, match="at least two"):
        kernel_mmd.polynomial_mmd2(_features(0, 1), _features(1, 5))
    with pytest.raises(ValueError, match="one width"):
        kernel_mmd.polynomial_mmd2(_features(0, 3, dim=4), _features(1, 3, dim=5))


def test_mean_cosine_to_references_is_the_studys_mean_of_means() -> None:
    generated, references = _features(8, 5), _features(9, 7)
    loop = np.mean([np.mean([g @ r / np.linalg.norm(g) / np.linalg.norm(r) for r in references]) for g in generated])
    assert alignment.mean_cosine_to_references(generated, references) == pytest.approx(loop, rel=1e-12)
    same = alignment.mean_cosine_to_references(generated[:1], 3.0 * generated[:1])
    assert same == pytest.approx(1.0)


def test_clip_score_is_hessels_weighted_clipped_cosine() -> None:
    images, text = _features(10, 6), _features(11, 1)
    cosines = [float(i @ text[0]) / np.linalg.norm(i) / np.linalg.norm(text[0]) for i in images]
    expected = np.mean([2.5 * max(c, 0.0) for c in cosines])
    assert alignment.clip_score(images, text) == pytest.approx(expected, rel=1e-12)
    per_image = np.repeat(text, 6, axis=0)
    assert alignment.clip_score(images, per_image) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="one text feature or one per image"):
        alignment.clip_score(images, _features(12, 2))
