"""Harness-owned evaluation of the text-to-image track on the embedded digit benches.

After task t, every seen concept i is sampled from its fixed prompts with fixed starting
noise per (concept, prompt, index), so a change down a column is the model's alone. Samples
are scored by the bench's judge (digits, or styles), and the features of each concept's
samples right after it was learned are kept beside the record for C-LoRA's drift D[t][i].
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from benchmarks.data.digit_concepts import ConceptBench, ConceptTask
from harness.backbones.samplers import DEFAULT_SAMPLER, Sampler
from harness.backbones.tiny_t2i import digit_prompt
from harness.bench import BenchSpec, Profile
from harness.sample_grid import save_sample_grid
from harness.seeding import derive_seed, numpy_rng, torch_generator
from harness.tracks._base import Evaluator
from metrics import METRICS
from metrics._registry import bench_metrics
from metrics.judge import JudgeConfig, judge_outputs, load_or_train_judge


def fixed_noise(seed: int, shape: tuple[int, ...], *purpose: object) -> torch.Tensor:
    """Starting noise of one sample, a function of (seed, purpose) only."""
    return torch.randn(shape, generator=torch_generator(seed, "eval-noise", *purpose))


def sampling_noise_seeds(seed: int, purposes: list[tuple[object, ...]]) -> list[int]:
    """Seeds of the per-step noise of stochastic samplers, one per sample, a function of (seed, purpose) only."""
    return [derive_seed(seed, "sampling-noise", *purpose) for purpose in purposes]


class ConceptEvaluation:
    """What the metrics of one concept after task t read (see metrics/t2i.py)."""

    def __init__(self, evaluator: "T2IEvaluator", task: ConceptTask, after_task: int, samples: torch.Tensor, base_retention: float) -> None:
        self.evaluator, self.task, self.after_task, self.samples = evaluator, task, after_task, samples
        self.base_retention = base_retention
        per_prompt = evaluator.profile.eval_samples_per_class
        self.targets = torch.tensor(task.eval_targets).repeat_interleave(per_prompt)
        self.content = torch.tensor(task.eval_content).repeat_interleave(per_prompt)
        self.details: dict[str, object] = {}

    def numpy_rng(self, purpose: str) -> np.random.Generator:
        return numpy_rng(self.evaluator.seed, "eval", purpose, self.after_task, self.task.index)

    @cached_property
    def _judged(self) -> tuple[torch.Tensor, torch.Tensor]:
        return judge_outputs(self.evaluator.judge, self.samples)

    @property
    def sample_logits(self) -> torch.Tensor:
        return self._judged[0]

    @property
    def sample_features(self) -> torch.Tensor:
        return self._judged[1]

    @cached_property
    def content_logits(self) -> torch.Tensor:
        return judge_outputs(self.evaluator.digit_judge, self.samples)[0]

    @property
    def reference_features(self) -> torch.Tensor:
        return self.evaluator.reference_features[self.task.index]

    @property
    def just_learned_features(self) -> torch.Tensor:
        return self.evaluator.just_learned[self.task.index]


class T2IEvaluator(Evaluator):
    def __init__(self, bench: BenchSpec, data: ConceptBench, profile: Profile, seed: int, device: torch.device,
                 record_path: Path, guidance_scale: float, sampler: Sampler = DEFAULT_SAMPLER) -> None:
        bench_metrics(bench)
        self.bench, self.data, self.tasks, self.profile, self.seed = bench, data, data.tasks, profile, seed
        self.guidance_scale, self.sampler = guidance_scale, sampler
        config = JudgeConfig(**bench.judge)
        digits = data.digits
        judge, self.digit_judge_key = load_or_train_judge(digits.train_x, digits.train_y, digits.num_classes, config)
        self.digit_judge = judge.to(device)
        self.judge, self.judge_key = self.digit_judge, self.digit_judge_key
        if data.style_judge_data is not None:
            style_x, style_y = data.style_judge_data
            style_judge, self.judge_key = load_or_train_judge(style_x, style_y, int(style_y.max()) + 1, config)
            self.judge = style_judge.to(device)
        self.reference_features = [judge_outputs(self.judge, task.reference_images)[1] for task in self.tasks]
        self.drift_path = record_path.with_suffix(".drift.safetensors")
        self.just_learned: dict[int, torch.Tensor] = {}
        if self.drift_path.is_file():
            self.just_learned = {int(key.removeprefix("task")): value for key, value in load_file(str(self.drift_path)).items()}
        self.last_details: list[dict[str, object]] = []
        self.last_samples: list[tuple[torch.Tensor, torch.Tensor]] = []

    def _requests(self, scored: list[int]) -> list[tuple[str, tuple[object, ...]]]:
        """(prompt, noise purpose) of every sample of this row: the scored concepts, then base digits."""
        per_prompt = self.profile.eval_samples_per_class
        requests = [(prompt, (self.tasks[i].token, k, j)) for i in scored
                    for k, prompt in enumerate(self.tasks[i].eval_prompts) for j in range(per_prompt)]
        requests += [(digit_prompt(d), ("base", d, j)) for d in self.data.base_classes for j in range(per_prompt)]
        return requests

    def generated_images(self, scored: list[int], per_class: int) -> int:
        return (sum(len(self.tasks[i].eval_prompts) for i in scored) + len(self.data.base_classes)) * per_class  # + base retention's digits

    def _sample(self, backbone: torch.nn.Module, scored: list[int]) -> tuple[list[torch.Tensor], float]:
        requests = self._requests(scored)
        noise = torch.stack([fixed_noise(self.seed, backbone.latent_shape, *purpose) for _, purpose in requests])
        backbone.eval()
        images = backbone.sample([prompt for prompt, _ in requests], noise, self.profile.sampling_steps, self.guidance_scale,
                                 sampler=self.sampler, noise_seeds=sampling_noise_seeds(self.seed, [purpose for _, purpose in requests]))
        per_prompt = self.profile.eval_samples_per_class
        sizes = [len(self.tasks[i].eval_prompts) * per_prompt for i in scored]
        parts = list(torch.split(images, sizes + [images.shape[0] - sum(sizes)]))
        base_images, base_labels = parts.pop(), torch.tensor(self.data.base_classes).repeat_interleave(per_prompt)
        base_logits, _ = judge_outputs(self.digit_judge, base_images)
        return parts, float((base_logits.argmax(1) == base_labels).double().mean())

    def evaluate(self, backbone: torch.nn.Module, after_task: int, only: list[int] | None = None) -> dict[str, list[float | None]]:
        """{metric: [score on concept 0, ..., concept after_task]}; with `only`, None for the other concepts
        (only the scored concepts are sampled; base retention is measured in every row)."""
        scored = list(range(after_task + 1)) if only is None else sorted(i for i in only if i <= after_task)
        samples, retention = self._sample(backbone, scored)
        scores: dict[str, list[float | None]] = {name: [None] * (after_task + 1) for name in self.bench.metrics}
        self.last_details = [{} for _ in range(after_task + 1)]
        self.last_samples: list[tuple[torch.Tensor, torch.Tensor] | None] = [None] * (after_task + 1)
        for i, task_samples in zip(scored, samples):
            task = self.tasks[i]
            evaluation = ConceptEvaluation(self, task, after_task, task_samples, retention)
            if i == after_task:
                self.just_learned[i] = evaluation.sample_features.clone()
            for name in self.bench.metrics:
                scores[name][i] = METRICS.get(name).compute(evaluation)
            self.last_samples[i] = (task_samples, torch.full((task_samples.shape[0],), i))
            self.last_details[i] = evaluation.details
        return scores

    def describe(self) -> dict[str, object]:
        return {"judge_cache_key": self.judge_key, "digit_judge_cache_key": self.digit_judge_key, "guidance_scale": self.guidance_scale,
                **({} if self.sampler == DEFAULT_SAMPLER else self.sampler.describe()),
                "samples_per_prompt": self.profile.eval_samples_per_class, "drift_features": self.drift_path.name}

    def after_task(self, method: Any, after_task: int, record: dict[str, Any]) -> None:
        temporary = self.drift_path.with_name(f".{self.drift_path.name}.tmp")
        save_file({f"task{i}": features.contiguous() for i, features in sorted(self.just_learned.items()) if i <= after_task}, str(temporary))
        os.replace(temporary, self.drift_path)
        adapters = record.setdefault("adapters", [])
        export = getattr(method, "export_adapter", None)
        if export is not None:
            folder = self.drift_path.parent / f"{record['run_key']}.adapters" / f"task{after_task:02d}"
            export(folder)
            name = str(folder.relative_to(self.drift_path.parent) / "pytorch_lora_weights.safetensors")
            adapters[after_task:] = [name]
        counts = getattr(method, "parameter_counts", None)
        if counts is not None:
            trained, stored, total = counts()
            parameters = record.setdefault("parameters", {"backbone_unet": total, "trained_fraction": [], "stored_fraction": []})
            parameters["trained_fraction"][after_task:] = [trained / total]
            parameters["stored_fraction"][after_task:] = [stored / total]

    def finish(self, record_path: Path, record: dict[str, Any]) -> None:
        samples, labels = (torch.cat(parts) for parts in zip(*self.last_samples))
        grid = record_path.with_suffix(".samples.png")
        save_sample_grid(grid, samples, labels)
        record["samples"] = grid.name
