"""What a class-gen metric receives for one seen task i after task t (metrics/class_gen.py,
bpd.py, inception.py): samples conditioned on the task's classes, the judge's outputs on them,
and the judge's features of the task's held-out real test images. Computed on first use."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import torch

from harness.bench import Profile
from harness.scoring import EvalNoise, TaskView
from harness.tracks._judged import JudgedSamples
from harness.tracks.class_gen.tasks import Task
from metrics.judge import JudgeClassifier


@dataclass(kw_only=True)
class ClassGenView(JudgedSamples, TaskView):
    task: Task
    backbone: torch.nn.Module
    profile: Profile
    noise: EvalNoise
    judge: JudgeClassifier
    real_features: torch.Tensor  # judge features of the task's real test images
    metric_options: dict[str, Any]  # metric -> its options under the run's profile (BenchSpec.options_of)
    cache: dict[object, object]  # run-wide artefacts metrics reuse (e.g. a loaded Inception, real-image features)

    def numpy_rng(self, purpose: str) -> np.random.Generator:
        """Seeded by (run seed, purpose, task i) only: the same draws in every row t."""
        return self.noise.numpy_rng(purpose, self.task.index)

    def torch_generator(self, purpose: str) -> torch.Generator:
        """Seeded by (run seed, purpose, task i) only, so R[t][i] - R[i][i] measures the model, not the sampling."""
        return self.noise.torch_generator(purpose, self.task.index)

    @cached_property
    def sample_labels(self) -> torch.Tensor:
        return torch.tensor(self.task.classes).repeat_interleave(self.profile.eval_samples_per_class)

    @cached_property
    def samples(self) -> torch.Tensor:
        generator = self.torch_generator("samples")
        self.backbone.eval()
        return self.backbone.sample(self.sample_labels, self.profile.sampling_steps, generator).cpu()
