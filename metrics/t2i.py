"""Per-concept scores of a text-to-image model on the embedded digit benches.

Each function takes a `JudgedConceptView` (harness/tracks/t2i/views.py; drift_mmd any
`ConceptView`): samples of one concept from fixed prompts and seeds, the bench judge's outputs on them, judge features of
the concept's real reference images, and the features of the concept's samples right after
it was learned (for C-LoRA's drift).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from metrics._registry import register_metric
from metrics.distances import frechet_distance_of_features, kernel_distance
from metrics.mmd import mmd_squared

if TYPE_CHECKING:
    from harness.tracks.t2i.views import ConceptView, JudgedConceptView


@register_metric("concept_accuracy", "t2i", True, "fraction of the concept's samples the bench judge assigns to the concept (its digit, or its style)")
def concept_accuracy(evaluation: JudgedConceptView) -> float:
    return float((evaluation.sample_logits.argmax(1) == evaluation.targets).double().mean())


@register_metric("content_accuracy", "t2i", True, "fraction of a style concept's samples the digit judge reads as the prompted digit (content kept)")
def content_accuracy(evaluation: JudgedConceptView) -> float:
    return float((evaluation.content_logits.argmax(1) == evaluation.content).double().mean())


@register_metric("concept_fd", "t2i", False, "Frechet distance in judge features, concept samples vs the concept's real reference images")
def concept_fd(evaluation: JudgedConceptView) -> float:
    return frechet_distance_of_features(evaluation.sample_features.numpy(), evaluation.reference_features.numpy())


@register_metric("concept_kid", "t2i", False, "KID (cubic polynomial MMD^2 over subsets) in judge features vs the concept's reference images")
def concept_kid(evaluation: JudgedConceptView) -> float:
    return kernel_distance(evaluation.sample_features.numpy(), evaluation.reference_features.numpy(), num_subsets=50, rng=evaluation.numpy_rng("kid"))


@register_metric("concept_mmd", "t2i", False, "C-LoRA's score: unbiased MMD^2 (cubic polynomial kernel) in judge features vs the concept's reference images")
def concept_mmd(evaluation: JudgedConceptView) -> float:
    return mmd_squared(evaluation.sample_features.numpy(), evaluation.reference_features.numpy())


@register_metric("drift_mmd", "t2i", False, "C-LoRA's forgetting: MMD^2 between the concept's samples right after it was learned and now (D[i][i] = 0)",
                 kind="drift")
def drift_mmd(evaluation: ConceptView) -> float:
    """x 10^3 on CLIP features on the dataset benches (C-LoRA's scale). The description above is
    what the published records carry: a table never mixes metric definitions, so it stays as is."""
    if evaluation.after_task == evaluation.task_index:
        return 0.0
    return evaluation.mmd_scale * mmd_squared(evaluation.just_learned_features.numpy(), evaluation.sample_features.numpy())


@register_metric("base_retention", "t2i", True, "digit-judge accuracy on prompts for the base digits after task t (the row's value, same for every seen task)")
def base_retention(evaluation: JudgedConceptView) -> float:
    return evaluation.base_retention
