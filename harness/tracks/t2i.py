"""Track `t2i`: continual customization of a text-to-image diffusion model, one concept per task.

Backbones: `stable-diffusion` (a local diffusers folder: `--weights DIR`, or
HARNESS_WEIGHTS/<weights>) and `tiny-t2i` (the embedded pixel-space model, pretrained once on
the bench's base digits and cached). Regularization images come from the base model and the
bench's class prompt, cached by content hash, and are handed to every method.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import fields
from pathlib import Path
from typing import Any, Callable

import torch
from safetensors.torch import load_file, save_file

from benchmarks.data.digit_concepts import CONCEPT_SOURCES, ConceptBench
from harness.backbones.samplers import DEFAULT_SAMPLER, Sampler, bench_sampler
from harness.backbones.t2i_compute import pop_compute_options
from harness.backbones.text_to_image import TextToImageDiffusion, check_layout, load_folder
from harness.backbones.tiny_t2i import TinyT2IConfig, load_or_pretrain, load_tiny
from harness.bench import BenchSpec, Profile
from harness.errors import RunFailure, UsageError
from harness.registry import Registry
from harness.tracks import t2i_datasets
from harness.tracks._base import BuildOptions, Evaluator, LoadedBench, Track, register_track
from harness.tracks.t2i_evaluation import T2IEvaluator, fixed_noise, sampling_noise_seeds
from harness.cache import cache_root

TRACK_OPTIONS = ("guidance_scale", "regularization_images", "regularization_steps")
T2I_BACKBONES: Registry[Callable[[dict[str, Any], ConceptBench, BuildOptions], tuple[TextToImageDiffusion, str]]] = Registry("t2i backbone")


def _split_options(data: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    options = dict(data)
    source = options.pop("source", None)
    if source not in CONCEPT_SOURCES and source not in t2i_datasets.DATASET_SOURCES:
        raise UsageError(f"t2i bench data source {source!r} is not one of {', '.join(CONCEPT_SOURCES)}")
    track_options = {key: options.pop(key) for key in TRACK_OPTIONS if key in options}
    return source, options, track_options


def weights_folder(config: dict[str, Any], options: BuildOptions) -> Path:
    if options.weights:
        return Path(options.weights)
    name = config.get("weights")
    root = os.environ.get("HARNESS_WEIGHTS")
    if not name or not root:
        raise RunFailure("the stable-diffusion backbone reads a local diffusers folder: pass --weights DIR or set HARNESS_WEIGHTS "
                         "(the bench's backbone.weights names the subfolder)")
    return Path(root) / str(name)


@T2I_BACKBONES.register("stable-diffusion")
def stable_diffusion(config: dict[str, Any], data: ConceptBench, options: BuildOptions) -> tuple[TextToImageDiffusion, str]:
    config = dict(config)
    compute = pop_compute_options(config)
    folder = weights_folder(config, options)
    model = load_folder(folder)
    model.use_compute(compute)
    return model, folder.name


@T2I_BACKBONES.register("tiny-t2i")
def tiny_t2i(config: dict[str, Any], data: ConceptBench, options: BuildOptions) -> tuple[TextToImageDiffusion, str]:
    config = dict(config)
    compute = pop_compute_options(config)
    known = {f.name for f in fields(TinyT2IConfig)}
    unknown = sorted(set(config) - known)
    if unknown:
        raise UsageError(f"tiny-t2i backbone: unknown option {unknown[0]!r}; valid options are {', '.join(sorted(known))}")
    values = {key: tuple(value) if isinstance(value, list) else value for key, value in config.items()}
    tiny = TinyT2IConfig(**{**values, "base_classes": tuple(data.base_classes)})
    base = torch.isin(data.digits.train_y, torch.tensor(data.base_classes))
    folder, key = load_or_pretrain(data.digits.train_x[base], data.digits.train_y[base], tiny, data.class_prompt)
    model = load_tiny(folder)
    model.use_compute(compute)
    return model, key


def regularization_images(model: TextToImageDiffusion, model_key: str, prompt: str, count: int, steps: int, guidance_scale: float,
                          sampler: Sampler = DEFAULT_SAMPLER) -> torch.Tensor:
    """Base-model samples of the class prompt (the bench's sampler), cached under a hash of everything they depend on."""
    sampler_key = "" if sampler == DEFAULT_SAMPLER else f"|{sorted(sampler.describe().items())}"  # default keeps the published cache keys
    key = hashlib.sha256(f"{model_key}|{prompt}|{count}|{steps}|{guidance_scale}{sampler_key}".encode()).hexdigest()[:16]
    path = cache_root() / "t2i-regularization" / f"{key}.safetensors"
    if path.is_file():
        return load_file(str(path))["images"]
    noise = torch.stack([fixed_noise(0, model.latent_shape, "regularization", j) for j in range(count)])
    purposes = [("regularization", j) for j in range(count)]
    images = model.sample([prompt] * count, noise, steps, guidance_scale, sampler=sampler, noise_seeds=sampling_noise_seeds(0, purposes))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    save_file({"images": images.contiguous()}, str(temporary))
    os.replace(temporary, path)
    return images


@register_track("t2i")
class TextToImageTrack(Track):
    sparse_rows = True  # C-LoRA's 50-concept sequence: --eval-rows every-K

    def task_names(self, bench: BenchSpec) -> list[str]:
        if t2i_datasets.is_dataset_bench(bench):
            return t2i_datasets.task_names(bench)
        source, options, _ = _split_options(bench.data)
        return [task.name for task in CONCEPT_SOURCES[source](bench.tasks, **options).tasks]

    def check_ready(self, bench: BenchSpec, options: BuildOptions) -> None:
        _split_options(bench.data)
        bench_sampler(bench.evaluation)
        if t2i_datasets.is_dataset_bench(bench):
            t2i_datasets.check_ready(bench, options)
        config = dict(bench.backbone)
        name = config.pop("name", None)
        T2I_BACKBONES.get(str(name))
        pop_compute_options(config)
        if name == "stable-diffusion":
            check_layout(weights_folder(config, options))

    def load(self, bench: BenchSpec, options: BuildOptions) -> LoadedBench:
        if t2i_datasets.is_dataset_bench(bench):
            config = dict(bench.backbone)
            return t2i_datasets.load(bench, options, weights_folder(config, options) if config.get("name") == "stable-diffusion" else None)
        source, loader_options, _ = _split_options(bench.data)
        if options.order_seed is not None:
            loader_options["order_seed"] = options.order_seed  # sources without an order reject it (one error line)
        try:
            data = CONCEPT_SOURCES[source](bench.tasks, **loader_options)
        except TypeError as exc:
            raise UsageError(f"t2i data source {source!r} rejected its options {loader_options}: {exc}") from None
        return LoadedBench(tasks=data.tasks, num_classes=len(data.tasks), data=data)

    def build_backbone(self, bench: BenchSpec, loaded: LoadedBench, options: BuildOptions) -> torch.nn.Module:
        config = dict(bench.backbone)
        model, key = T2I_BACKBONES.get(str(config.pop("name", None)))(config, loaded.data, options)
        _, _, track_options = _split_options(bench.data)
        count = int(track_options.get("regularization_images", 0))
        model.regularization_prompt = loaded.data.class_prompt
        model.regularization_images = regularization_images(
            model, key, loaded.data.class_prompt, count, int(track_options.get("regularization_steps", 25)),
            float(track_options.get("guidance_scale", 1.0)), bench_sampler(bench.evaluation)) if count else None
        return model

    def evaluator(self, bench: BenchSpec, loaded: LoadedBench, profile: Profile, seed: int, device: torch.device, record_path: Path) -> Evaluator:
        _, _, track_options = _split_options(bench.data)
        guidance_scale, sampler = float(track_options.get("guidance_scale", 1.0)), bench_sampler(bench.evaluation)
        if t2i_datasets.is_dataset_bench(bench):
            return t2i_datasets.DatasetEvaluator(bench, loaded.data, profile, seed, device, record_path, guidance_scale, sampler)
        return T2IEvaluator(bench, loaded.data, profile, seed, device, record_path, guidance_scale, sampler)
