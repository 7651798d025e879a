"""Harness-owned evaluation: every method is measured by this code, on the same seeds and
sample counts. After task t, each seen task i <= t gets one score per bench metric."""

from __future__ import annotations

import time
from functools import cached_property

import numpy as np
import torch

from benchmarks.data import LabeledImages
from harness.bench import BenchSpec, Profile
from harness.seeding import numpy_rng, torch_generator
from harness.tasks import Task
from metrics import METRICS
from metrics._registry import bench_metrics
from metrics.judge import JudgeConfig, judge_outputs, load_or_train_judge


class TaskEvaluation:
    """Lazily computed artefacts for scoring one task i after task t."""

    def __init__(self, evaluator: "ClassGenEvaluator", backbone: torch.nn.Module, task: Task, after_task: int) -> None:
        self.evaluator, self.backbone, self.task, self.after_task = evaluator, backbone, task, after_task
        self.details: dict[str, object] = {}  # metric name -> JSON-able breakdown, stored in the record

    def numpy_rng(self, purpose: str) -> np.random.Generator:
        """Seeded by (run seed, purpose, task i) only: the same draws in every row t."""
        return numpy_rng(self.evaluator.seed, "eval", purpose, self.task.index)

    def torch_generator(self, purpose: str) -> torch.Generator:
        """Seeded by (run seed, purpose, task i) only, so R[t][i] - R[i][i] measures the model, not the sampling."""
        return torch_generator(self.evaluator.seed, "eval", purpose, self.task.index)

    @cached_property
    def sample_labels(self) -> torch.Tensor:
        per_class = self.evaluator.profile.eval_samples_per_class
        return torch.tensor(self.task.classes).repeat_interleave(per_class)

    @cached_property
    def samples(self) -> torch.Tensor:
        generator = self.torch_generator("samples")
        self.backbone.eval()
        return self.backbone.sample(self.sample_labels, self.evaluator.profile.sampling_steps, generator).cpu()

    @cached_property
    def _judged(self) -> tuple[torch.Tensor, torch.Tensor]:
        return judge_outputs(self.evaluator.judge, self.samples)

    @property
    def sample_logits(self) -> torch.Tensor:
        return self._judged[0]

    @property
    def sample_features(self) -> torch.Tensor:
        return self._judged[1]

    @property
    def real_features(self) -> torch.Tensor:
        return self.evaluator.real_features[self.task.index]


class ClassGenEvaluator:
    """Scores a class-conditional generator on every seen task with the bench's metrics."""

    def __init__(self, bench: BenchSpec, data: LabeledImages, tasks: list[Task], profile: Profile, seed: int, device: torch.device) -> None:
        for metric in bench_metrics(bench):
            if metric.check_ready is not None:
                metric.check_ready()
            if metric.check_data is not None:
                metric.check_data(bench, data)
        self.bench, self.tasks, self.profile, self.seed = bench, tasks, profile, seed
        started = time.perf_counter()
        judge, self.judge_key = load_or_train_judge(data.train_x, data.train_y, data.num_classes, JudgeConfig(**bench.judge))
        self.judge = judge.to(device)
        logits, _ = judge_outputs(self.judge, data.test_x)
        self.judge_test_accuracy = float((logits.argmax(1) == data.test_y).double().mean())
        self.real_features = [judge_outputs(self.judge, task.test_x)[1] for task in tasks]
        self.setup_seconds = time.perf_counter() - started
        self.cache: dict[object, object] = {}  # per-run artefacts metrics reuse (e.g. real-image features)
        self.last_details: list[dict[str, object]] = []
        self.last_samples: list[tuple[torch.Tensor, torch.Tensor] | None] = []  # per seen task; None where not scored

    def evaluate(self, backbone: torch.nn.Module, after_task: int, only: list[int] | None = None) -> dict[str, list[float | None]]:
        """{metric: [score on task 0, ..., score on task after_task]}; with `only`, None for the other tasks."""
        scores: dict[str, list[float | None]] = {name: [] for name in self.bench.metrics}
        self.last_samples, self.last_details = [], []
        for task in self.tasks[: after_task + 1]:
            if only is not None and task.index not in only:
                for name in self.bench.metrics:
                    scores[name].append(None)
                self.last_details.append({})
                self.last_samples.append(None)
                continue
            evaluation = TaskEvaluation(self, backbone, task, after_task)
            for name in self.bench.metrics:
                scores[name].append(METRICS.get(name).compute(evaluation))
            self.last_samples.append((evaluation.samples, evaluation.sample_labels))
            self.last_details.append(evaluation.details)
        return scores

    def generated_images(self, scored: list[int], per_class: int) -> int:
        return sum(len(self.tasks[i].classes) for i in scored) * per_class

    def describe(self) -> dict[str, object]:
        return {
            "judge_cache_key": self.judge_key, "judge_test_accuracy": self.judge_test_accuracy,
            "sampling_noise": "seeded by (seed, task i) only: the same starting noise for task i in every row",
        }
