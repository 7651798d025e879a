"""Track `class-cls`: class-incremental classification without task id (CODA-Prompt's protocol)."""

from __future__ import annotations

from pathlib import Path

import torch

from harness import class_cls
from harness.bench import BenchSpec, Profile
from harness.classification import ClassificationEvaluator
from harness.tracks._base import BuildOptions, Evaluator, LoadedBench, Track, register_track


class _ClassificationEvaluation(Evaluator):
    def __init__(self, inner: ClassificationEvaluator) -> None:
        self.inner = inner

    @property
    def last_details(self) -> list[dict[str, object]]:  # type: ignore[override]
        return self.inner.last_details

    def evaluate(self, backbone: torch.nn.Module, after_task: int) -> dict[str, list[float]]:
        return self.inner.evaluate(backbone, after_task)

    def describe(self) -> dict[str, object]:
        return self.inner.describe()


@register_track("class-cls")
class ClassClsTrack(Track):
    def task_names(self, bench: BenchSpec) -> list[str]:
        return class_cls.task_names(bench)

    def load(self, bench: BenchSpec, options: BuildOptions) -> LoadedBench:
        loaded = class_cls.load(bench, options.data_root, options.seed)
        return LoadedBench(tasks=loaded.tasks, num_classes=loaded.num_classes, data=loaded)

    def build_backbone(self, bench: BenchSpec, loaded: LoadedBench, options: BuildOptions) -> torch.nn.Module:
        return class_cls.build(bench, loaded.data, options.weights)

    def evaluator(self, bench: BenchSpec, loaded: LoadedBench, profile: Profile, seed: int, device: torch.device, record_path: Path) -> Evaluator:
        return _ClassificationEvaluation(class_cls.evaluator(bench, loaded.data, device))

    def check_ready(self, bench: BenchSpec, options: BuildOptions) -> None:
        class_cls.check_ready(bench, options.data_root, options.weights)
