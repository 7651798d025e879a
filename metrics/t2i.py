"""Per-concept scores of a text-to-image model on the embedded digit benches.

Each function takes a `JudgedConceptInput` (metrics/inputs.py; built by harness/tracks/t2i/views.py; drift_mmd any
`ConceptInput`): samples of one concept from fixed prompts and seeds, the bench judge's outputs on them, judge features of
the concept's real reference images, and the features of the concept's samples right after
it was learned (for C-LoRA's drift). Kernel distances on judge features standardize them on the
concept's real images first (metrics/standardize.py); `concept_kid` / `concept_mmd` are the
legacy raw-feature versions that version-1 records carry.
"""

from __future__ import annotations

from metrics._registry import register_metric
from metrics.distances import frechet_distance_of_features, kernel_distance
from metrics.inputs import ConceptInput, JudgedConceptInput
from metrics.mmd import mmd_squared, paired_mmd_squared
from metrics.standardize import standardize_on


@register_metric("concept_accuracy", "t2i", True, "fraction of the concept's samples the bench judge assigns to the concept (its digit, or its style)")
def concept_accuracy(evaluation: JudgedConceptInput) -> float:
    return float((evaluation.sample_logits.argmax(1) == evaluation.targets).double().mean())


@register_metric("content_accuracy", "t2i", True, "fraction of a style concept's samples the digit judge reads as the prompted digit (content kept)")
def content_accuracy(evaluation: JudgedConceptInput) -> float:
    return float((evaluation.content_logits.argmax(1) == evaluation.content).double().mean())


@register_metric("concept_fd", "t2i", False, "Frechet distance in judge features, concept samples vs the concept's real reference images")
def concept_fd(evaluation: JudgedConceptInput) -> float:
    return frechet_distance_of_features(evaluation.sample_features.numpy(), evaluation.reference_features.numpy())


LEGACY_RAW = ("legacy (digit bench version 1 records): KID's cubic kernel (x.y/d + 1)^3 on raw judge features, whose norms "
              "make the kernel reach ~1e6, so the magnitude has no readable scale; superseded by {successor}")


@register_metric("concept_kid", "t2i", False, LEGACY_RAW.format(successor="concept_kid_standardized") + "; KID over subsets vs the concept's reference images")
def concept_kid(evaluation: JudgedConceptInput) -> float:
    return kernel_distance(evaluation.sample_features.numpy(), evaluation.reference_features.numpy(), num_subsets=50, rng=evaluation.numpy_rng("kid"))


@register_metric("concept_mmd", "t2i", False, LEGACY_RAW.format(successor="concept_mmd_standardized") + "; unbiased MMD^2 on all pairs vs the concept's reference images")
def concept_mmd(evaluation: JudgedConceptInput) -> float:
    return mmd_squared(evaluation.sample_features.numpy(), evaluation.reference_features.numpy())


def _standardized(evaluation: JudgedConceptInput) -> list:
    reference = evaluation.reference_features.numpy()
    return standardize_on(reference, evaluation.sample_features.numpy(), reference)


@register_metric("concept_kid_standardized", "t2i", False, "KID, judge features: KID's estimator (cubic kernel (x.y/d + 1)^3, unbiased MMD^2 over 50 subsets) on judge features standardized on the concept's real reference images (centred on their mean, divided by their RMS per-dimension std), samples vs those images; not Inception KID")
def concept_kid_standardized(evaluation: JudgedConceptInput) -> float:
    samples, reference = _standardized(evaluation)
    return kernel_distance(samples, reference, num_subsets=50, rng=evaluation.numpy_rng("kid"))


@register_metric("concept_mmd_standardized", "t2i", False, "MMD, judge features: unbiased MMD^2 on all pairs, cubic kernel (x.y/d + 1)^3, on judge features standardized on the concept's real reference images (centred on their mean, divided by their RMS per-dimension std), samples vs those images; not C-LoRA's A_MMD (CLIP features)")
def concept_mmd_standardized(evaluation: JudgedConceptInput) -> float:
    return mmd_squared(*_standardized(evaluation))


@register_metric("drift_mmd", "t2i", False, "C-LoRA's forgetting (F_MMD's matrix): paired MMD^2 between the concept's samples right after it was learned and now, each pair from one noise and prompt (U-statistic over pairs i != j; exactly 0 when the model did not change; D[i][i] = 0); cubic kernel (x.y/d + 1)^3 on judge features standardized on the concept's real images (digit benches), or on CLIP ViT-B/32 image features x 10^3 (dataset benches)",
                 kind="drift")
def drift_mmd(evaluation: ConceptInput) -> float:
    """The estimator is paired because the samples of task i use the same starting noise in every
    row. Judged (digit) views standardize on the concept's reference images (metrics/standardize.py);
    folder benches have no `reference_features` and set `mmd_scale` (C-LoRA's printed scale)."""
    if evaluation.after_task == evaluation.task_index:
        return 0.0
    then, now = evaluation.just_learned_features.numpy(), evaluation.sample_features.numpy()
    reference = evaluation.standardizing_reference
    if reference is not None:
        then, now = standardize_on(reference.numpy(), then, now)
    return evaluation.mmd_scale * paired_mmd_squared(then, now)


@register_metric("base_retention", "t2i", True, "digit-judge accuracy on prompts for the base digits after task t (the row's value, same for every seen task)")
def base_retention(evaluation: JudgedConceptInput) -> float:
    return evaluation.base_retention
