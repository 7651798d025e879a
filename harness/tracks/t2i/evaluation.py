"""The t2i track's evaluation: after task t, every seen concept i is sampled from its fixed
prompts with fixed starting noise per (concept, prompt, index), so a change down a column is
the model's alone. Digit sources are scored by the bench's judges, folder sources by feature
extractors; the features of each concept's samples right after it was learned are kept beside
the record for C-LoRA's drift D[t][i]."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from benchmarks.data.digit_concepts import ConceptBench
from core.task_names import task_index, task_name
from harness.backbones.samplers import DEFAULT_SAMPLER, Sampler
from harness.backbones.tiny_t2i import digit_prompt
from harness.bench import BenchSpec, Profile
from harness.method_context import PromptPhrasing
from harness.record import checkpoint_dir_of
from harness.sample_grid import keep_just_learned, load_just_learned, save_sample_grid
from harness.scoring import EvalNoise, ScoredRow
from harness.tracks._base import Evaluator
from harness.tracks.t2i.tasks import FolderConcepts
from harness.tracks.t2i.views import ConceptView, FolderConceptView, JudgedConceptView
from metrics._registry import bench_metrics
from metrics.judge import JudgeConfig, judge_outputs, load_or_train_judge
from metrics.kernel_mmd import MMD_SCALE


def sample_requests(backbone: torch.nn.Module, requests: list[tuple[str, tuple[object, ...]]], noise: EvalNoise, profile: Profile,
                    guidance_scale: float, sampler: Sampler, phrasing: PromptPhrasing = PromptPhrasing()) -> torch.Tensor:
    """One batch of samples, each from its (prompt, noise purpose): fixed starting and sampler noise,
    each prompt phrased as the method declared (the noise follows the purpose, not the phrasing)."""
    start = torch.stack([noise.start_noise(backbone.latent_shape, *purpose) for _, purpose in requests])
    backbone.eval()
    prompts = [phrasing.apply(prompt, backbone.concept_tokens) for prompt, _ in requests]
    return backbone.sample(prompts, start, profile.sampling_steps, guidance_scale,
                           sampler=sampler, noise_seeds=noise.sampler_seeds([purpose for _, purpose in requests]))


class T2IEvaluator(Evaluator):
    """What every t2i source shares: sampling the scored concepts, drift features kept beside the
    record, the sample grid. Subclasses build the views."""

    def __init__(self, bench: BenchSpec, data: Any, profile: Profile, noise: EvalNoise, record_path: Path,
                 guidance_scale: float, sampler: Sampler) -> None:
        bench_metrics(bench)
        self.bench, self.data, self.tasks, self.profile, self.noise = bench, data, data.tasks, profile, noise
        self.guidance_scale, self.sampler = guidance_scale, sampler
        self.phrasing = PromptPhrasing()
        self.drift_path = record_path.with_suffix(".drift.safetensors")
        self.kept = checkpoint_dir_of(record_path)  # each concept's samples right after it was learned, for the grid
        self.just_learned: dict[int, torch.Tensor] = {}
        if self.drift_path.is_file():
            self.just_learned = {task_index(key): value for key, value in load_file(str(self.drift_path)).items()}

    def use_phrasing(self, phrasing: PromptPhrasing) -> None:
        self.phrasing = phrasing

    def concept_requests(self, scored: list[int]) -> list[tuple[str, tuple[object, ...]]]:
        per_prompt = self.profile.eval_samples_per_class
        return [(prompt, (self.tasks[i].token, k, j)) for i in scored for k, prompt in enumerate(self.tasks[i].eval_prompts) for j in range(per_prompt)]

    def split_concepts(self, images: torch.Tensor, scored: list[int]) -> list[torch.Tensor]:
        """The concepts' samples, in order, and whatever follows them as one last part."""
        sizes = [len(self.tasks[i].eval_prompts) * self.profile.eval_samples_per_class for i in scored]
        return list(torch.split(images, sizes + [images.shape[0] - sum(sizes)]))

    def keep_just_learned(self, view: ConceptView) -> None:
        if view.task_index == view.after_task:
            self.just_learned[view.task_index] = view.sample_features.clone()
            keep_just_learned(self.kept, view.task_index, view.samples, torch.full((view.samples.shape[0],), view.task_index))

    def generated_images(self, scored: list[int], per_class: int) -> int:
        return sum(len(self.tasks[i].eval_prompts) for i in scored) * per_class

    def after_task(self, method: Any, row: ScoredRow, record: dict[str, Any]) -> None:
        temporary = self.drift_path.with_name(f".{self.drift_path.name}.tmp")
        save_file({task_name(i): features.contiguous() for i, features in sorted(self.just_learned.items()) if i <= row.after_task}, str(temporary))
        os.replace(temporary, self.drift_path)

    def finish(self, record_path: Path, row: ScoredRow, record: dict[str, Any]) -> None:
        views = [row.views[i] for i in sorted(row.views)]
        samples = torch.cat([view.samples for view in views])
        labels = torch.cat([torch.full((view.samples.shape[0],), view.task_index) for view in views])
        grid = record_path.with_suffix(".samples.png")
        save_sample_grid(grid, samples, labels, load_just_learned(self.kept), len(self.tasks),
                         names={i: task.name for i, task in enumerate(self.tasks)})
        record["samples"] = grid.name


class JudgedEvaluator(T2IEvaluator):
    """Digit sources: the bench's judge (digits, or styles) and the digit judge, plus base retention."""

    def __init__(self, bench: BenchSpec, data: ConceptBench, profile: Profile, noise: EvalNoise, device: torch.device,
                 record_path: Path, guidance_scale: float, sampler: Sampler = DEFAULT_SAMPLER) -> None:
        super().__init__(bench, data, profile, noise, record_path, guidance_scale, sampler)
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

    def generated_images(self, scored: list[int], per_class: int) -> int:
        return super().generated_images(scored, per_class) + len(self.data.base_classes) * per_class  # + base retention's digits

    def views(self, backbone: torch.nn.Module, after_task: int, scored: list[int]) -> dict[int, JudgedConceptView]:
        """The scored concepts, sampled in one batch with the base digits (base retention is measured in every row)."""
        per_prompt = self.profile.eval_samples_per_class
        base = [(digit_prompt(d), ("base", d, j)) for d in self.data.base_classes for j in range(per_prompt)]
        parts = self.split_concepts(sample_requests(backbone, self.concept_requests(scored) + base, self.noise, self.profile,
                                                    self.guidance_scale, self.sampler, self.phrasing), scored)
        base_images, base_labels = parts.pop(), torch.tensor(self.data.base_classes).repeat_interleave(per_prompt)
        base_logits, _ = judge_outputs(self.digit_judge, base_images)
        retention = float((base_logits.argmax(1) == base_labels).double().mean())
        views = {}
        for i, samples in zip(scored, parts):
            task = self.tasks[i]
            views[i] = JudgedConceptView(
                task_index=i, after_task=after_task, samples=samples, noise=self.noise, just_learned=self.just_learned,
                judge=self.judge, digit_judge=self.digit_judge, targets=torch.tensor(task.eval_targets).repeat_interleave(per_prompt),
                content=torch.tensor(task.eval_content).repeat_interleave(per_prompt), reference_features=self.reference_features[i],
                base_retention=retention)
            self.keep_just_learned(views[i])
        return views

    def describe(self) -> dict[str, object]:
        return {"judge_cache_key": self.judge_key, "digit_judge_cache_key": self.digit_judge_key, "guidance_scale": self.guidance_scale,
                **({} if self.sampler == DEFAULT_SAMPLER else self.sampler.describe()),
                "samples_per_prompt": self.profile.eval_samples_per_class, "drift_features": self.drift_path.name}


class FolderEvaluator(T2IEvaluator):
    """Folder sources: feature metrics (CLIP, DINO, CSD) in place of the digit judges; drift on CLIP features."""

    def __init__(self, bench: BenchSpec, data: FolderConcepts, profile: Profile, noise: EvalNoise, device: torch.device,
                 record_path: Path, guidance_scale: float, sampler: Sampler) -> None:
        super().__init__(bench, data, profile, noise, record_path, guidance_scale, sampler)
        self.device = device
        self.cache: dict[object, object] = {}

    def views(self, backbone: torch.nn.Module, after_task: int, scored: list[int]) -> dict[int, FolderConceptView]:
        parts = self.split_concepts(sample_requests(backbone, self.concept_requests(scored), self.noise, self.profile,
                                                    self.guidance_scale, self.sampler, self.phrasing), scored)
        views = {}
        for i, samples in zip(scored, parts):
            task = self.tasks[i]
            views[i] = FolderConceptView(
                task_index=i, after_task=after_task, samples=samples, noise=self.noise, just_learned=self.just_learned, mmd_scale=MMD_SCALE,
                reference_paths=list(task.reference_paths), alignment_prompt=task.alignment_prompt, cache=self.cache, device=self.device)
            self.keep_just_learned(views[i])
        return views

    def describe(self) -> dict[str, object]:
        return {"manifest_hash": self.data.manifest_hash, "task_order": self.data.task_order, "resolution": self.data.resolution,
                "guidance_scale": self.guidance_scale, **self.sampler.describe(), "samples_per_prompt": self.profile.eval_samples_per_class,
                "drift_features": self.drift_path.name, "drift_feature_space": "CLIP ViT-B/32 image features"}
