"""Track `class-gen`: class-incremental generation judged by a classifier trained on real data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from harness.backbones import build_backbone
from harness.bench import BenchSpec, Profile
from harness.record import checkpoint_dir_of
from harness.sample_grid import keep_just_learned, load_just_learned, save_sample_grid
from harness.scoring import EvalNoise, ScoredRow
from harness.tracks._base import BuildOptions, LoadedBench, Track
from harness.tracks._registry import register_track
from harness.tracks.class_gen.evaluation import ClassGenEvaluator
from harness.tracks.class_gen.tasks import load_tasks, task_name
from metrics.bpd import buffer_losses


class _ClassGenEvaluation(ClassGenEvaluator):
    """The views, plus each task's just-learned samples and the PNG grid of the final samples beside the record."""

    def __init__(self, *args: Any, record_path: Path) -> None:
        super().__init__(*args)
        self.kept = checkpoint_dir_of(record_path)  # each task's just-learned samples, for the grid

    def after_task(self, method: Any, row: ScoredRow, record: dict[str, Any]) -> None:
        t = row.after_task
        view = row.views[t]
        keep_just_learned(self.kept, t, view.samples, view.sample_labels)
        if "bits_per_dim" in row.scores:
            details = record["details"]["bits_per_dim"][t]
            kept = method.replay_examples()
            for i, losses in enumerate(buffer_losses(self.bench, self.profile, self.tasks, self.noise, method.backbone, kept, t)):
                if losses is not None and details[i] is not None:  # a task a sparse row did not score has none
                    details[i]["buffer_loss_at_timesteps"] = losses

    def finish(self, record_path: Path, row: ScoredRow, record: dict[str, Any]) -> None:
        samples = torch.cat([row.views[i].samples for i in sorted(row.views)])
        labels = torch.cat([row.views[i].sample_labels for i in sorted(row.views)])
        grid = record_path.with_suffix(".samples.png")
        save_sample_grid(grid, samples, labels, load_just_learned(self.kept), len(self.tasks))
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

    def evaluator(self, bench: BenchSpec, loaded: LoadedBench, profile: Profile, noise: EvalNoise, device: torch.device,
                  record_path: Path) -> ClassGenEvaluator:
        return _ClassGenEvaluation(bench, loaded.data, loaded.tasks, profile, noise, device, record_path=record_path)
