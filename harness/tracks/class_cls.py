"""Track `class-cls`: class-incremental classification without task id (CODA-Prompt's protocol)."""

from __future__ import annotations

from pathlib import Path

import torch

from harness import class_cls
from harness.bench import BenchSpec, Profile
from harness.tracks._base import BuildOptions, DelegatingEvaluator, Evaluator, LoadedBench, Track, register_track


@register_track("class-cls")
class ClassClsTrack(Track):
    forgetting = "forgetting_coda"  # F_N of CODA-Prompt, C-LoRA (Table 3) and the prompt papers they compare

    def task_names(self, bench: BenchSpec) -> list[str]:
        return class_cls.task_names(bench)

    def load(self, bench: BenchSpec, options: BuildOptions) -> LoadedBench:
        loaded = class_cls.load(bench, options.data_root, options.seed)
        return LoadedBench(tasks=loaded.tasks, num_classes=loaded.num_classes, data=loaded)

    def build_backbone(self, bench: BenchSpec, loaded: LoadedBench, options: BuildOptions) -> torch.nn.Module:
        return class_cls.build(bench, loaded.data, options.weights)

    def evaluator(self, bench: BenchSpec, loaded: LoadedBench, profile: Profile, seed: int, device: torch.device, record_path: Path) -> Evaluator:
        return DelegatingEvaluator(class_cls.evaluator(bench, loaded.data, device))

    def check_ready(self, bench: BenchSpec, options: BuildOptions) -> None:
        class_cls.check_ready(bench, options.data_root, options.weights)
