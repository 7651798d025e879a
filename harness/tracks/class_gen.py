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
from harness.tracks._base import BuildOptions, DelegatingEvaluator, Evaluator, LoadedBench, Track, register_track
from metrics.bpd import buffer_losses


class _ClassGenEvaluation(DelegatingEvaluator):
    """ClassGenEvaluator plus the PNG grid of the final samples beside the record."""

    def __init__(self, inner: ClassGenEvaluator, record_path: Path) -> None:
        super().__init__(inner)
        self.kept = checkpoint_dir_of(record_path)  # each task's just-learned samples, for the grid

    def after_task(self, method: Any, after_task: int, record: dict[str, Any]) -> None:
        keep_just_learned(self.kept, after_task, *self.inner.last_samples[after_task])
        if "bits_per_dim" in self.inner.bench.metrics:
            row = record["details"]["bits_per_dim"][after_task]
            for i, losses in enumerate(buffer_losses(self.inner, method, after_task)):
                if losses is not None and row[i] is not None:  # a task a sparse row did not score has none
                    row[i]["buffer_loss_at_timesteps"] = losses

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
