"""What the class-cls track plugs into the runner: task loading, backbone construction and
the evaluator, for a bench whose `track` is class-cls (see harness/classification.py).

Kept free of the runner so the track registry only has to call these three functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from benchmarks.data.classification import ClassificationData, load_classification_data
from harness.backbones import build_backbone
from harness.backbones.vit import resolve_weights
from harness.backbones.vit_pretrain import PretrainConfig, load_or_pretrain
from harness.bench import BenchSpec
from harness.classification import ClassificationEvaluator, ClassificationTask, build_tasks, classification_task_name, task_class_groups
from harness.errors import UsageError


@dataclass(frozen=True)
class LoadedClassification:
    tasks: list[ClassificationTask]
    num_classes: int
    data: ClassificationData


def task_names(bench: BenchSpec) -> list[str]:
    return [classification_task_name(i, classes) for i, classes in enumerate(bench.tasks)]


def load(bench: BenchSpec, data_root: str | None, seed: int) -> LoadedClassification:
    """The bench's tasks in CODA-Prompt's class order for `seed`, labels contiguous per task."""
    data = load_classification_data(bench.data, data_root)
    groups = task_class_groups(bench, data.num_classes, seed)
    tasks = build_tasks(groups, data.train, data.train_labels, data.test, data.test_labels, int(bench.data.get("workers", 0)))
    return LoadedClassification(tasks, data.num_classes, data)


def build(bench: BenchSpec, loaded: LoadedClassification, weights_folder: str | None) -> torch.nn.Module:
    """The ViT of the bench's `backbone` block; a `pretrain` block pretrains it here (cached)."""
    config: dict[str, Any] = dict(bench.backbone)
    pretrain = config.pop("pretrain", None)
    if config.get("weights") is not None:
        config["weights_folder"] = weights_folder
    model = build_backbone(config, loaded.data.image_shape, loaded.num_classes)
    if pretrain is not None:
        train = loaded.data.pretrain if loaded.data.pretrain is not None else loaded.data.train
        if not hasattr(train, "tensors"):
            raise UsageError(f"bench {bench.name}: backbone.pretrain needs in-memory images (e.g. sklearn-digits)")
        images, labels = train.tensors
        try:
            settings = PretrainConfig(**{**pretrain, "classes": tuple(pretrain.get("classes", ()))})
        except TypeError as exc:
            raise UsageError(f"bench {bench.name}: bad backbone.pretrain block: {exc}") from None
        with torch.random.fork_rng(devices=[]):
            load_or_pretrain(model, images, labels, dict(config.get("arch", {})), settings)
    return model


def evaluator(bench: BenchSpec, loaded: LoadedClassification, device: torch.device) -> ClassificationEvaluator:
    return ClassificationEvaluator(bench, loaded.tasks, device, workers=int(bench.data.get("workers", 0)))


def check_ready(bench: BenchSpec, data_root: str | None, weights_folder: str | None) -> None:
    """Fail before any work when the bench's weights are absent (data is checked on load)."""
    weights = bench.backbone.get("weights")
    if weights is not None:
        resolve_weights(str(weights), weights_folder)
