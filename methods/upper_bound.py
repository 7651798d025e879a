"""The upper bound (CODA-Prompt's `oracle_flag`): after each task, start again from the
pretrained backbone and train offline on all the training data seen so far; its last row
is offline training on every class."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from torch.utils.data import ConcatDataset, Dataset

from core.errors import RunFailure
from harness.hparams import hparam
from harness.tracks.class_cls.tasks import ClassificationTask
from methods._base import register_method
from methods._classifier import ClassifierMethod


@register_method("upper-bound")
class OfflineUpperBound(ClassifierMethod):
    """Upper bound: retrain the whole ViT from its pretrained weights on all data seen so far."""

    @dataclass(frozen=True)
    class Hparams:
        lr_scale: float = hparam(0.05, gt=0, recorded_as="lr_factor")  # learning rate = profile.lr * lr_scale

    def __init__(self, backbone, hparams, context) -> None:
        super().__init__(backbone, hparams, context)
        self.pretrained = copy.deepcopy(backbone.state_dict())
        self.seen: list[ClassificationTask] = []

    def before_task(self, task: ClassificationTask, generator: torch.Generator) -> None:
        if len(self.seen) != task.index:
            raise RunFailure("upper-bound keeps all past training data in memory and cannot resume mid-sequence: rerun with --force")
        self.seen.append(task)
        self.backbone.load_state_dict(self.pretrained)

    def training_data(self, task: ClassificationTask) -> tuple[Dataset, int, int]:
        return ConcatDataset([t.train for t in self.seen]), 0, task.label_stop
