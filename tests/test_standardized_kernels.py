"""Kernel distances on judge features standardized on the real reference set
(metrics/standardize.py): the map itself, and the class-gen / t2i metrics that use it."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from metrics import METRICS
from metrics.distances import kernel_distance
from metrics.standardize import standardize_on


def _judge_like(seed: int, n: int, shift: float = 0.0, scale: float = 12.0) -> np.ndarray:
    """Rows with norms near 95 in 64 dims, as the digit judges' features."""
    rng = np.random.default_rng(seed)
    return np.abs(rng.normal(shift, 1.0, size=(n, 64))) * scale


def test_reference_set_is_centred_and_scaled_to_unit_mean_variance_keeping_its_geometry() -> None:
    reference = _judge_like(0, 50)
    reference[:, 3] = 7.0  # a dead dimension stays 0, it is not blown up
    (z,) = standardize_on(reference, reference)
    assert np.allclose(z.mean(axis=0), 0.0)
    assert np.isclose(z.var(axis=0, ddof=1).mean(), 1.0)
    assert np.all(z[:, 3] == 0.0)
    ratio = z.std(axis=0, ddof=1)[:3] / reference.std(axis=0, ddof=1)[:3]
    assert np.allclose(ratio, ratio[0])  # one scale for every dimension
    with pytest.raises(ValueError, match="at least two rows"):
        standardize_on(reference[:1], reference)
    with pytest.raises(ValueError, match="spread"):
        standardize_on(np.ones((4, 3)), reference)


def _class_gen_evaluation(samples: np.ndarray, real: np.ndarray) -> SimpleNamespace:
    return SimpleNamespace(sample_features=torch.from_numpy(samples), real_features=torch.from_numpy(real),
                           numpy_rng=lambda purpose: np.random.default_rng(0))


def test_judge_kid_standardized_has_a_readable_scale_and_ignores_the_feature_units() -> None:
    real, same, shifted = _judge_like(1, 200), _judge_like(2, 200), _judge_like(3, 200, shift=0.7)
    raw = METRICS.get("judge_kid").compute(_class_gen_evaluation(shifted, real))
    standardized = METRICS.get("judge_kid_standardized").compute
    near = standardized(_class_gen_evaluation(same, real))
    far = standardized(_class_gen_evaluation(shifted, real))
    assert raw > 1e3  # the legacy number: the cubic kernel on raw features
    assert abs(near) < 0.05 < far < 10
    assert standardized(_class_gen_evaluation(100 * shifted, 100 * real)) == pytest.approx(far, rel=1e-9)
    z_shifted, z_real = standardize_on(real, shifted, real)
    assert far == pytest.approx(kernel_distance(z_shifted, z_real, num_subsets=100, rng=np.random.default_rng(0)), rel=1e-12)


def test_t2i_standardized_kid_and_mmd_read_the_concept_reference_features() -> None:
    reference, samples = _judge_like(4, 40), _judge_like(5, 40, shift=0.5)
    evaluation = SimpleNamespace(sample_features=torch.from_numpy(samples), reference_features=torch.from_numpy(reference),
                                 numpy_rng=lambda purpose: np.random.default_rng(0))
    mmd = METRICS.get("concept_mmd_standardized").compute(evaluation)
    kid = METRICS.get("concept_kid_standardized").compute(evaluation)
    assert 0 < mmd < 10 and 0 < kid < 10
    assert METRICS.get("concept_mmd").compute(evaluation) > 1e3 * mmd
    assert "legacy" in METRICS.get("concept_mmd").description and "legacy" in METRICS.get("judge_kid").description


def test_drift_is_zero_for_an_unchanged_model_and_standardized_on_digit_benches() -> None:
    reference, then = _judge_like(6, 30), _judge_like(7, 20)
    now = then + np.random.default_rng(8).normal(0, 5.0, size=then.shape)
    drift = METRICS.get("drift_mmd").compute

    def evaluation(features: np.ndarray, after_task: int = 2) -> SimpleNamespace:
        return SimpleNamespace(after_task=after_task, task_index=0, just_learned_features=torch.from_numpy(then), mmd_scale=1.0,
                               sample_features=torch.from_numpy(features), standardizing_reference=torch.from_numpy(reference))

    assert drift(evaluation(then.copy())) == 0.0
    assert drift(evaluation(now, after_task=0)) == 0.0
    moved = drift(evaluation(now))
    assert 0 < moved < 10
    assert drift(evaluation(now)) == pytest.approx(moved)
    clip_like = SimpleNamespace(after_task=1, task_index=0, mmd_scale=1e3, standardizing_reference=None,
                                just_learned_features=torch.from_numpy(then / 100), sample_features=torch.from_numpy(then / 100))
    assert drift(clip_like) == 0.0
