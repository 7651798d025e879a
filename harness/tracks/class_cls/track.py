"""Track `class-cls`: class-incremental classification without task id (CODA-Prompt's protocol)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from core.errors import UsageError
from harness.backbones import build_backbone
from harness.backbones.vit import resolve_weights
from harness.backbones.vit_pretrain import PretrainConfig, load_or_pretrain
from harness.bench import BenchSpec, Profile
from harness.scoring import EvalNoise
from core.typed_options import call_with_options
from harness.tracks._base import BuildOptions, LoadedBench, Track
from harness.tracks._registry import register_track
from harness.tracks.class_cls import tasks
from harness.tracks.class_cls.evaluation import ClassClsEvaluator


@register_track("class-cls")
class ClassClsTrack(Track):
    def task_names(self, bench: BenchSpec) -> list[str]:
        return tasks.task_names(bench)

    def load(self, bench: BenchSpec, options: BuildOptions) -> LoadedBench:
        loaded = tasks.load(bench, options.data_root, options.seed)
        return LoadedBench(tasks=loaded.tasks, num_classes=loaded.num_classes, data=loaded)

    def build_backbone(self, bench: BenchSpec, loaded: LoadedBench, options: BuildOptions) -> torch.nn.Module:
        """The ViT of the bench's `backbone` block; a `pretrain` block pretrains it here (cached)."""
        config: dict[str, Any] = dict(bench.backbone)
        pretrain = config.pop("pretrain", None)
        if config.get("weights") is not None:
            config["weights_folder"] = options.weights
        data = loaded.data.data
        model = build_backbone(config, data.image_shape, loaded.num_classes)
        if pretrain is not None:
            train = data.pretrain if data.pretrain is not None else data.train  # a source may keep a clean set apart
            if not hasattr(train, "tensors"):
                raise UsageError(f"bench {bench.name}: backbone.pretrain needs in-memory images (e.g. sklearn-digits)")
            images, labels = train.tensors
            if not isinstance(pretrain, dict):
                raise UsageError(f"bench spec {bench.path}: backbone.pretrain must be a mapping, got {pretrain!r}")
            settings = call_with_options(PretrainConfig, f"bench spec {bench.path}: backbone.pretrain", **pretrain)
            with torch.random.fork_rng(devices=[]):
                load_or_pretrain(model, images, labels, dict(config.get("arch", {})), settings)
        return model

    def evaluator(self, bench: BenchSpec, loaded: LoadedBench, profile: Profile, noise: EvalNoise, device: torch.device,
                  record_path: Path) -> ClassClsEvaluator:
        return ClassClsEvaluator(bench, loaded.tasks, device, workers=int(bench.data.get("workers", 0)))

    def check_ready(self, bench: BenchSpec, options: BuildOptions) -> None:
        """Fail before any work when the bench's weights are absent (data is checked on load)."""
        weights = bench.backbone.get("weights")
        if weights is not None:
            resolve_weights(str(weights), options.weights)
