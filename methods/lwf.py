"""LwF.MC (Li & Hoiem, 2017; the multi-class form of Rebuffi et al., 2017) on the whole ViT.

Binary cross-entropy on the logits of all seen classes: targets are one-hot for the current
labels and, for past classes, the sigmoid of a frozen copy of the model from before the
task (as the LwF.MC of the CODA-Prompt authors' earlier code, learners/kd.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from harness.hparams import hparam
from harness.tracks.class_cls.tasks import ClassificationTask
from methods._base import register_method
from methods._classifier import ClassifierMethod


@register_method("lwf")
class LwFMultiClass(ClassifierMethod):
    """LwF.MC: distil the previous model's sigmoid outputs on past classes while fine-tuning."""

    @dataclass(frozen=True)
    class Hparams:
        lr_scale: float = hparam(0.05, gt=0, recorded_as="lr_factor")  # learning rate = profile.lr * lr_scale

    teacher: torch.nn.Module | None = None

    def before_task(self, task: ClassificationTask, generator: torch.Generator) -> None:
        self.teacher = None
        if task.label_start > 0:
            self.teacher = copy.deepcopy(self.backbone).eval().requires_grad_(False)

    def loss(self, images: torch.Tensor, labels: torch.Tensor, logits: torch.Tensor, aux: torch.Tensor, past: int) -> torch.Tensor:
        targets = F.one_hot(labels, logits.shape[1]).to(logits.dtype)
        if self.teacher is not None and past > 0:
            with torch.no_grad():
                targets[:, :past] = torch.sigmoid(self.teacher(images)[:, :past])
        return F.binary_cross_entropy_with_logits(logits, targets) + aux.sum()

    def after_task(self, task: ClassificationTask, generator: torch.Generator) -> None:
        self.teacher = None
