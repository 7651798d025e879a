"""Track `class-gen`: class-incremental generation judged by a classifier trained on real data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from harness.backbones import build_backbone
from harness.bench import BenchSpec, Profile
from harness.evaluation import ClassGenEvaluator
from harness.record import checkpoint_dir_of
from harness.sample_grid import keep_just_learned, load_just_learned, save_sample_grid
from harness.tasks import load_tasks, task_name
from harness.tracks._base import BuildOptions, Evaluator, LoadedBench, Track, register_track


class _ClassGenEvaluation(Evaluator):
    """ClassGenEvaluator plus the PNG grid of the final samples beside the record."""

    def __init__(self, inner: ClassGenEvaluator, record_path: Path) -> None:
        self.inner = inner
        self.kept = checkpoint_dir_of(record_path)  # each task's just-learned samples, for the grid

    @property
    def last_details(self) -> list[dict[str, object]]:  # type: ignore[override]
        return self.inner.last_details

    def evaluate(self, backbone: torch.nn.Module, after_task: int, only: list[int] | None = None) -> dict[str, list[float | None]]:
        return self.inner.evaluate(backbone, after_task, only)

    def describe(self) -> dict[str, object]:
        return self.inner.describe()

    def after_task(self, method: Any, after_task: int, record: dict[str, Any]) -> None:
        keep_just_learned(self.kept, after_task, *self.inner.last_samples[after_task])

    def finish(self, record_path: Path, record: dict[str, Any]) -> None:
        samples, labels = (torch.cat(parts) for parts in zip(*self.inner.last_samples))
        grid = record_path.with_suffix(".samples.png")
        save_sample_grid(grid, samples, labels, load_just_learned(self.kept), len(self.inner.tasks))
        record["samples"] = grid.name


@register_track("class-gen")
class ClassGenTrack(Track):
    sparse_rows = True

    def task_names(self, bench: BenchSpec) -> list[str]:
        return [task_name(classes) for classes in bench.tasks]

    def load(self, bench: BenchSpec, options: BuildOptions) -> LoadedBench:
        data, tasks = load_tasks(bench, options.data_root)
        return LoadedBench(tasks=tasks, num_classes=data.num_classes, data=data)

    def build_backbone(self, bench: BenchSpec, loaded: LoadedBench, options: BuildOptions) -> torch.nn.Module:
        return build_backbone(bench.backbone, loaded.data.image_shape, loaded.num_classes)

    def evaluator(self, bench: BenchSpec, loaded: LoadedBench, profile: Profile, seed: int, device: torch.device, record_path: Path) -> Evaluator:
        return _ClassGenEvaluation(ClassGenEvaluator(bench, loaded.data, loaded.tasks, profile, seed, device), record_path)
