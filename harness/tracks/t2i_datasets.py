"""The t2i track on the dataset concept benches (celeba5/10, waterfalls10, objects, styles).

Tasks come from the bench's manifest (benchmarks/concepts): one custom token per concept,
training images squared to the model's native resolution, prompts with the token as subject.
After task t every seen concept is sampled from its prompts with fixed noise per (concept,
prompt, index) and scored with the feature metrics (metrics/t2i_features.py); C-LoRA's drift
uses CLIP features of each concept's just-learned samples, kept beside the record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from benchmarks.concepts import CONCEPT_SOURCES as DATASET_SOURCES
from benchmarks.concepts.manifest import fill_words, require_data
from benchmarks.concepts.tasks import load_concept_tasks
from harness.backbones.samplers import Sampler
from harness.bench import BenchSpec, Profile
from harness.seeding import numpy_rng
from harness.tracks._base import BuildOptions, LoadedBench
from harness.tracks.t2i_evaluation import T2IEvaluator, fixed_noise, sampling_noise_seeds
from metrics import METRICS
from metrics._registry import bench_metrics
from metrics.kernel_mmd import MMD_SCALE
from metrics.t2i_features import _sample_features

TOKEN_FORMAT = "<c{index}>"


def is_dataset_bench(bench: BenchSpec) -> bool:
    return bench.data.get("source") in DATASET_SOURCES


@dataclass(frozen=True)
class DatasetTask:
    """One concept as the LoRA-family methods read a task (index, token, train_images,
    train_prompts) plus what its evaluation reads."""

    index: int
    token: str
    label: str
    concept_id: str
    train_images: torch.Tensor
    train_prompts: tuple[str, ...]
    eval_prompts: tuple[str, ...]
    alignment_prompt: str
    reference_paths: tuple[Path, ...]
    custom_token: bool = True  # False: `token` is a word the tokenizer knows, neither added nor trained

    @property
    def name(self) -> str:
        return f"{self.label} as {self.token}"


@dataclass(frozen=True)
class DatasetConcepts:
    tasks: list[DatasetTask]
    class_prompt: str
    manifest_hash: str
    task_order: list[str]
    resolution: int


def native_resolution(folder: Path) -> int | None:
    """Pixel size the model samples at: UNet sample_size times the VAE's downsampling factor."""
    try:
        unet = json.loads((folder / "unet" / "config.json").read_text())
        vae_config = folder / "vae" / "config.json"
        factor = 2 ** (len(json.loads(vae_config.read_text())["block_out_channels"]) - 1) if vae_config.is_file() else 1
    except (OSError, ValueError, KeyError):
        return None
    size = unet.get("sample_size")
    return int(size if isinstance(size, int) else size[0]) * factor if size else None


def task_names(bench: BenchSpec) -> list[str]:
    return [f"concept {position + 1} of the manifest order" for position in range(bench.num_tasks)]


def check_ready(bench: BenchSpec, options: BuildOptions) -> None:
    """Data (the `harness data check` lines) and every metric's weights, before any work."""
    require_data(bench, options.data_root)
    for metric in bench_metrics(bench):
        if metric.check_ready is not None:
            metric.check_ready()


def load(bench: BenchSpec, options: BuildOptions, model_folder: Path | None) -> LoadedBench:
    resolution = (native_resolution(model_folder) if model_folder else None) or int(bench.evaluation.get("resolution", 512))
    manifest, concepts = load_concept_tasks(bench, options.data_root, options.order_seed, resolution)
    subject = str(bench.evaluation.get("subject", "{token}"))
    tasks = []
    word_token = bench.evaluation.get("token")  # a template of the concept's words: the study's fixed word, no new token
    for concept in concepts:
        token = fill_words(str(word_token), concept.words) if word_token else TOKEN_FORMAT.format(index=concept.index)
        words = subject.replace("{token}", token).replace("{class_noun}", concept.class_noun).strip()
        fill = lambda text: text.replace("{subject}", words)  # noqa: E731
        tasks.append(DatasetTask(
            index=concept.index, token=token, label=concept.label, concept_id=concept.concept_id,
            train_images=concept.train_images, train_prompts=(fill(concept.train_prompt),) * concept.train_images.shape[0],
            eval_prompts=tuple(fill(prompt) for prompt in concept.prompts), alignment_prompt=concept.alignment_prompt,
            custom_token=not word_token,
            reference_paths=concept.reference_paths,
        ))
    class_prompt = concepts[0].class_prompt if concepts else ""
    data = DatasetConcepts(tasks, class_prompt, manifest.hash, manifest.content["task_order"], resolution)
    return LoadedBench(tasks=tasks, num_classes=len(tasks), data=data)


class DatasetConceptEvaluation:
    """What the t2i feature metrics and the track's drift_mmd read for one concept after task t."""

    mmd_scale = MMD_SCALE  # drift on C-LoRA's scale, like mmd_clip

    def __init__(self, evaluator: "DatasetEvaluator", task: DatasetTask, after_task: int, samples: torch.Tensor) -> None:
        self.evaluator, self.task, self.after_task, self.samples = evaluator, task, after_task, samples
        self.reference_paths, self.alignment_prompt = list(task.reference_paths), task.alignment_prompt
        self.cache, self.device = evaluator.cache, evaluator.device
        self.details: dict[str, object] = {}

    def numpy_rng(self, purpose: str) -> np.random.Generator:
        return numpy_rng(self.evaluator.seed, "eval", purpose, self.after_task, self.task.index)

    @property
    def sample_features(self) -> torch.Tensor:
        return torch.from_numpy(_sample_features(self, "clip", "drift_mmd"))

    @property
    def just_learned_features(self) -> torch.Tensor:
        return self.evaluator.just_learned[self.task.index]


class DatasetEvaluator(T2IEvaluator):
    """The track's evaluator (drift kept beside the record, adapters, parameter fractions, sample
    grid) with feature metrics in place of the digit judges."""

    def __init__(self, bench: BenchSpec, data: DatasetConcepts, profile: Profile, seed: int, device: torch.device,
                 record_path: Path, guidance_scale: float, sampler: Sampler) -> None:
        self.bench, self.data, self.tasks, self.profile, self.seed = bench, data, data.tasks, profile, seed
        self.guidance_scale, self.sampler, self.device = guidance_scale, sampler, device
        self.cache: dict[object, object] = {}
        self._load_drift(record_path)
        self.last_details: list[dict[str, object]] = []
        self.last_samples: list[tuple[torch.Tensor, torch.Tensor]] = []

    def _load_drift(self, record_path: Path) -> None:
        from safetensors.torch import load_file

        self.drift_path = record_path.with_suffix(".drift.safetensors")
        self.just_learned: dict[int, torch.Tensor] = {}
        if self.drift_path.is_file():
            self.just_learned = {int(key.removeprefix("task")): value for key, value in load_file(str(self.drift_path)).items()}

    def _concept_samples(self, backbone: torch.nn.Module, scored: list[int]) -> list[torch.Tensor]:
        per_prompt = self.profile.eval_samples_per_class
        seen = [self.tasks[i] for i in scored]
        requests = [(prompt, (task.token, k, j)) for task in seen for k, prompt in enumerate(task.eval_prompts) for j in range(per_prompt)]
        noise = torch.stack([fixed_noise(self.seed, backbone.latent_shape, *purpose) for _, purpose in requests])
        backbone.eval()
        images = backbone.sample([prompt for prompt, _ in requests], noise, self.profile.sampling_steps, self.guidance_scale,
                                 sampler=self.sampler, noise_seeds=sampling_noise_seeds(self.seed, [purpose for _, purpose in requests]))
        return list(torch.split(images, [len(task.eval_prompts) * per_prompt for task in seen]))

    def generated_images(self, scored: list[int], per_class: int) -> int:
        return sum(len(self.tasks[i].eval_prompts) for i in scored) * per_class

    def evaluate(self, backbone: torch.nn.Module, after_task: int, only: list[int] | None = None) -> dict[str, list[float | None]]:
        """{metric: [score on concept 0, ..., concept after_task]}; with `only`, None for the concepts not sampled."""
        scored = list(range(after_task + 1)) if only is None else sorted(i for i in only if i <= after_task)
        scores: dict[str, list[float | None]] = {name: [None] * (after_task + 1) for name in self.bench.metrics}
        self.last_details = [{} for _ in range(after_task + 1)]
        self.last_samples: list[tuple[torch.Tensor, torch.Tensor] | None] = [None] * (after_task + 1)
        for i, samples in zip(scored, self._concept_samples(backbone, scored)):
            evaluation = DatasetConceptEvaluation(self, self.tasks[i], after_task, samples)
            if i == after_task:
                self.just_learned[i] = evaluation.sample_features.clone()
            for name in self.bench.metrics:
                scores[name][i] = METRICS.get(name).compute(evaluation)
            self.last_samples[i] = (samples, torch.full((samples.shape[0],), i))
            self.last_details[i] = evaluation.details
        return scores

    def describe(self) -> dict[str, object]:
        return {"manifest_hash": self.data.manifest_hash, "task_order": self.data.task_order, "resolution": self.data.resolution,
                "guidance_scale": self.guidance_scale, **self.sampler.describe(), "samples_per_prompt": self.profile.eval_samples_per_class,
                "drift_features": self.drift_path.name, "drift_feature_space": "CLIP ViT-B/32 image features"}
