"""What a t2i metric receives for one seen concept i after task t (metrics/t2i.py on the digit
benches, metrics/t2i_features.py on the concept folders): the concept's samples from its fixed
prompts and noise, and the features of its samples right after it was learned (C-LoRA's drift)."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from harness.scoring import EvalNoise, TaskView
from harness.tracks._judged import JudgedSamples
from metrics.judge import JudgeClassifier, judge_outputs


@dataclass(kw_only=True)
class ConceptView(TaskView, abc.ABC):
    """Common to every t2i source: the samples, the drift inputs and the seeded draws."""

    samples: torch.Tensor  # (N, C, H, W) in [-1, 1]
    noise: EvalNoise
    just_learned: dict[int, torch.Tensor]  # concept -> features of its samples right after it was learned
    mmd_scale: float = 1.0  # drift_mmd's factor (C-LoRA's x 10^3 on CLIP features)

    def numpy_rng(self, purpose: str) -> np.random.Generator:
        """Seeded by (run seed, purpose, t, i) only."""
        return self.noise.numpy_rng(purpose, self.after_task, self.task_index)

    @property
    @abc.abstractmethod
    def sample_features(self) -> torch.Tensor:
        """The features drift is measured in (each source's view says which)."""

    @property
    def just_learned_features(self) -> torch.Tensor:
        return self.just_learned[self.task_index]

    @property
    def standardizing_reference(self) -> torch.Tensor | None:
        """Real features that kernel distances standardize on (None: the features are used as they are)."""
        return None


@dataclass(kw_only=True)
class JudgedConceptView(JudgedSamples, ConceptView):
    """A digit concept or style, scored by the bench's judge (and the digit judge for content)."""

    judge: JudgeClassifier
    digit_judge: JudgeClassifier
    targets: torch.Tensor  # the judge class each sample should get
    content: torch.Tensor  # the digit each sample's prompt asks for
    reference_features: torch.Tensor  # judge features of the concept's real reference images
    base_retention: float  # digit-judge accuracy on the base digits' prompts in this row

    @property
    def standardizing_reference(self) -> torch.Tensor:
        return self.reference_features

    @cached_property
    def content_logits(self) -> torch.Tensor:
        return judge_outputs(self.digit_judge, self.samples)[0]


@dataclass(kw_only=True)
class FolderConceptView(ConceptView):
    """A concept of a folder bench, scored with feature extractors (CLIP, DINO, CSD)."""

    reference_paths: list[Path]  # the concept's real images
    alignment_prompt: str  # what CLIP-T compares against (C-LoRA: "a <class noun>")
    cache: dict[object, object]  # run-wide: loaded extractors
    device: torch.device

    @property
    def sample_features(self) -> torch.Tensor:
        from metrics.t2i_features import _sample_features

        return torch.from_numpy(_sample_features(self, "clip", "drift_mmd"))
