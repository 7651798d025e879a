"""What a metric reads, declared by the metrics themselves: one Protocol per kind of input.

A metric is a function of one view of a seen task i after task t. The views are built by the
track packages (harness/tracks/<track>/views.py) and satisfy these Protocols structurally, so the
metrics need nothing of the harness (tests/test_layering.py checks both: metrics import only the
ground floor, and every view class has every member of the Protocol its metrics read).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import torch


class SeededView(Protocol):
    """A view whose random draws depend on (run seed, purpose, indices) only."""

    details: dict[str, object]  # metric name -> JSON-able breakdown, kept in the record
    memo: dict[str, object]  # what metrics of one view share (e.g. features of its samples)

    def numpy_rng(self, purpose: str) -> np.random.Generator: ...


class TaskData(Protocol):
    """A class-gen task as the metrics read it: its index, classes and held-out test images."""

    index: int
    classes: list[int]
    test_x: torch.Tensor
    test_y: torch.Tensor


class ClassGenInput(SeededView, Protocol):
    """Samples of a class-conditional generator on task i's classes, the judge's outputs on them,
    and the judge's features of the task's real test images (metrics/class_gen.py, bpd.py, inception.py)."""

    task: TaskData
    backbone: Any  # the generator (a pixel DDPM or flow backbone): `sample`, `predict_noise`, `loss`
    samples: torch.Tensor
    sample_labels: torch.Tensor
    sample_logits: torch.Tensor
    sample_features: torch.Tensor
    real_features: torch.Tensor
    metric_options: dict[str, Any]  # metric -> its options under the run's profile
    cache: dict[object, object]  # run-wide artefacts metrics reuse (a loaded Inception, real features)

    def torch_generator(self, purpose: str) -> torch.Generator: ...


class ClassClsInput(Protocol):
    """A classifier's predicted labels on task i's test images and the true labels (metrics/classification.py)."""

    predicted: torch.Tensor
    labels: torch.Tensor


class ConceptInput(SeededView, Protocol):
    """Samples of one concept, in the features drift is measured in (metrics/t2i.py: drift_mmd)."""

    task_index: int
    after_task: int
    samples: torch.Tensor
    sample_features: torch.Tensor
    just_learned_features: torch.Tensor  # features of the concept's samples right after it was learned
    standardizing_reference: torch.Tensor | None
    mmd_scale: float


class JudgedConceptInput(ConceptInput, Protocol):
    """A digit concept or style scored by the bench's judge and the digit judge (metrics/t2i.py)."""

    sample_logits: torch.Tensor
    targets: torch.Tensor
    content: torch.Tensor
    content_logits: torch.Tensor
    reference_features: torch.Tensor
    base_retention: float


class FolderConceptInput(ConceptInput, Protocol):
    """A concept of a folder bench, scored with feature extractors (metrics/t2i_features.py)."""

    reference_paths: list[Any]
    alignment_prompt: str
    cache: dict[object, object]
    device: torch.device
