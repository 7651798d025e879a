"""Per-task scores of a class-conditional generator, judged by the bench's judge classifier.

Each function takes a `ClassGenInput` (metrics/inputs.py; built by harness/tracks/class_gen/views.py): samples conditioned
on the task's classes, the judge's outputs on them, and judge features of the task's held-out
real test images.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from metrics._registry import register_metric
from metrics.distances import frechet_distance_of_features, kernel_distance, small_sample_warning
from metrics.inputs import ClassGenInput
from metrics.standardize import standardize_on


def classifier_uncertainty(logits: torch.Tensor, intended: torch.Tensor) -> float:
    """Mean KL(one-hot(intended) || p_judge(. | x)) = mean -log p_judge(intended | x)
    (Nguyen et al., 2018; the VCL diffusion study)."""
    return float(F.cross_entropy(logits.double(), intended, reduction="mean"))


@register_metric("judge_accuracy", "class-gen", True, "fraction of samples the judge classifies as their conditioning class")
def judge_accuracy(evaluation: ClassGenInput) -> float:
    return float((evaluation.sample_logits.argmax(1) == evaluation.sample_labels).double().mean())


@register_metric("classifier_uncertainty", "class-gen", False, "KL(one-hot intended class || judge prediction), averaged over samples")
def uncertainty(evaluation: ClassGenInput) -> float:
    return classifier_uncertainty(evaluation.sample_logits, evaluation.sample_labels)


@register_metric("judge_fd", "class-gen", False, "Frechet distance in judge feature space, samples vs held-out real test images")
def judge_fd(evaluation: ClassGenInput) -> float:
    samples, real = evaluation.sample_features.numpy(), evaluation.real_features.numpy()
    warning = small_sample_warning(samples, real)
    if warning:
        evaluation.details["judge_fd"] = {"warning": warning}
    return frechet_distance_of_features(samples, real)


@register_metric("judge_kid", "class-gen", False, "legacy (bench versions before the standardized KID): KID's cubic kernel (x.y/d + 1)^3 on raw judge features, whose norms make the kernel reach ~1e6, so the magnitude has no readable scale; superseded by judge_kid_standardized")
def judge_kid(evaluation: ClassGenInput) -> float:
    return kernel_distance(evaluation.sample_features.numpy(), evaluation.real_features.numpy(), num_subsets=100, rng=evaluation.numpy_rng("kid"))


@register_metric("judge_kid_standardized", "class-gen", False, "KID, judge features: KID's estimator (cubic kernel (x.y/d + 1)^3, unbiased MMD^2 over 100 subsets) on judge features standardized on the held-out real images (centred on their mean, divided by their RMS per-dimension std), samples vs those images; not Inception KID")
def judge_kid_standardized(evaluation: ClassGenInput) -> float:
    real = evaluation.real_features.numpy()
    samples, real = standardize_on(real, evaluation.sample_features.numpy(), real)
    return kernel_distance(samples, real, num_subsets=100, rng=evaluation.numpy_rng("kid"))
