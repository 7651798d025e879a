"""The class-gen track's evaluation: a judge classifier trained on the bench's real training
split (cached, deterministic) and, per seen task, a `ClassGenView` of the model's samples."""

from __future__ import annotations

import time

import torch

from benchmarks.data import LabeledImages
from harness.bench import BenchSpec, Profile
from harness.scoring import EvalNoise
from harness.tracks._base import Evaluator
from harness.tracks.class_gen.tasks import Task
from harness.tracks.class_gen.views import ClassGenView
from metrics._registry import bench_metrics
from metrics.judge import JudgeConfig, judge_outputs, load_or_train_judge


class ClassGenEvaluator(Evaluator):
    """Views of a class-conditional generator on every seen task, judged by the bench's judge."""

    def __init__(self, bench: BenchSpec, data: LabeledImages, tasks: list[Task], profile: Profile, noise: EvalNoise, device: torch.device) -> None:
        for metric in bench_metrics(bench):
            if metric.check_ready is not None:
                metric.check_ready()
            if metric.check_data is not None:
                metric.check_data(bench, data)
        self.bench, self.tasks, self.profile, self.noise = bench, tasks, profile, noise
        self.metric_options = {name: bench.options_of(name, profile) for name in bench.metrics}  # the profile's costs over the bench's
        started = time.perf_counter()
        judge, self.judge_key = load_or_train_judge(data.train_x, data.train_y, data.num_classes, JudgeConfig(**bench.judge))
        self.judge = judge.to(device)
        logits, _ = judge_outputs(self.judge, data.test_x)
        self.judge_test_accuracy = float((logits.argmax(1) == data.test_y).double().mean())
        self.real_features = [judge_outputs(self.judge, task.test_x)[1] for task in tasks]
        self.setup_seconds = time.perf_counter() - started
        self.cache: dict[object, object] = {}

    def views(self, backbone: torch.nn.Module, after_task: int, scored: list[int]) -> dict[int, ClassGenView]:
        return {i: ClassGenView(task_index=i, after_task=after_task, task=self.tasks[i], backbone=backbone, profile=self.profile, noise=self.noise,
                                judge=self.judge, real_features=self.real_features[i], metric_options=self.metric_options, cache=self.cache)
                for i in scored}

    def generated_images(self, scored: list[int], per_class: int) -> int:
        return sum(len(self.tasks[i].classes) for i in scored) * per_class

    def describe(self) -> dict[str, object]:
        return {
            "judge_cache_key": self.judge_key, "judge_test_accuracy": self.judge_test_accuracy,
            "sampling_noise": "seeded by (seed, task i) only: the same starting noise for task i in every row",
        }
