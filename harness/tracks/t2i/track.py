"""Track `t2i`: continual customization of a text-to-image diffusion model, one concept per task.

Backbones: `stable-diffusion` (a local diffusers folder: `--weights DIR`, or
HARNESS_WEIGHTS/<weights>) and `tiny-t2i` (the embedded pixel-space model, pretrained once on
the bench's base digits and cached). Regularization images come from the base model and the
bench's class prompt, cached by content hash, and are handed to every method in its TrainContext.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable

import torch
from safetensors.torch import load_file, save_file

from benchmarks.concepts.manifest import require_data
from benchmarks.data.digit_concepts import ConceptBench
from core.cache import cache_root
from core.errors import RunFailure, UsageError
from core.registry import Registry
from harness.backbones.samplers import DEFAULT_SAMPLER, Sampler, bench_sampler
from harness.backbones.t2i_compute import pop_compute_options
from harness.backbones.text_to_image import TextToImageDiffusion, check_layout
from harness.backbones.text_to_image_folder import load_folder
from harness.backbones.tiny_t2i import TinyT2IConfig, load_or_pretrain, load_tiny
from harness.bench import BenchSpec, Profile
from harness.method_context import Regularization
from harness.scoring import EvalNoise
from harness.tracks._base import BuildOptions, LoadedBench, Track
from harness.tracks._registry import register_track
from harness.tracks.t2i import tasks
from harness.tracks.t2i.evaluation import FolderEvaluator, JudgedEvaluator, T2IEvaluator
from metrics._registry import bench_metrics


def weights_folder(config: dict[str, Any], options: BuildOptions) -> Path:
    if options.weights:
        return Path(options.weights)
    name = config.get("weights")
    root = os.environ.get("HARNESS_WEIGHTS")
    if not name or not root:
        raise RunFailure("the stable-diffusion backbone reads a local diffusers folder: pass --weights DIR or set HARNESS_WEIGHTS "
                         "(the bench's backbone.weights names the subfolder)")
    return Path(root) / str(name)


def stable_diffusion(config: dict[str, Any], data: ConceptBench, options: BuildOptions) -> tuple[TextToImageDiffusion, str]:
    config = dict(config)
    compute = pop_compute_options(config)
    folder = weights_folder(config, options)
    model = load_folder(folder)
    model.use_compute(compute)
    return model, folder.name


def _pretrained_tiny(config: dict[str, Any], data: ConceptBench) -> tuple[Path, str]:
    """The cached tiny-t2i folder pretrained on the bench's base digits (trained once), and its key."""
    config = dict(config)
    pop_compute_options(config)
    known = {f.name for f in fields(TinyT2IConfig)}
    unknown = sorted(set(config) - known)
    if unknown:
        raise UsageError(f"tiny-t2i backbone: unknown option {unknown[0]!r}; valid options are {', '.join(sorted(known))}")
    values = {key: tuple(value) if isinstance(value, list) else value for key, value in config.items()}
    tiny = TinyT2IConfig(**{**values, "base_classes": tuple(data.base_classes)})
    base = torch.isin(data.digits.train_y, torch.tensor(data.base_classes))
    return load_or_pretrain(data.digits.train_x[base], data.digits.train_y[base], tiny, data.class_prompt)


def tiny_t2i(config: dict[str, Any], data: ConceptBench, options: BuildOptions) -> tuple[TextToImageDiffusion, str]:
    folder, key = _pretrained_tiny(config, data)
    model = load_tiny(folder)
    model.use_compute(pop_compute_options(dict(config)))
    return model, key


@dataclass(frozen=True)
class T2IBackbone:
    """How one t2i backbone is built, and the local folder it is read from (None: built here)."""

    build: Callable[[dict[str, Any], ConceptBench, BuildOptions], tuple[TextToImageDiffusion, str]]  # (model, key)
    key: Callable[[dict[str, Any], Any, BuildOptions], str]  # the key `build` returns, without building (regularization's cache)
    folder: Callable[[dict[str, Any], BuildOptions], Path | None] = lambda config, options: None

    def check_ready(self, config: dict[str, Any], options: BuildOptions) -> None:
        folder = self.folder(config, options)
        if folder is not None:
            check_layout(folder)


T2I_BACKBONES: Registry[T2IBackbone] = Registry("t2i backbone")
T2I_BACKBONES.add("stable-diffusion", T2IBackbone(stable_diffusion, lambda config, data, options: weights_folder(config, options).name, weights_folder))
T2I_BACKBONES.add("tiny-t2i", T2IBackbone(tiny_t2i, lambda config, data, options: _pretrained_tiny(config, data)[1]))


def _backbone(bench: BenchSpec) -> tuple[T2IBackbone, dict[str, Any]]:
    config = dict(bench.backbone)
    return T2I_BACKBONES.get(str(config.pop("name", None))), config


def regularization_images(model: TextToImageDiffusion, model_key: str, prompt: str, count: int, steps: int, guidance_scale: float,
                          sampler: Sampler = DEFAULT_SAMPLER) -> torch.Tensor:
    """Base-model samples of the class prompt (the bench's sampler), cached under a hash of everything they depend on."""
    sampler_key = "" if sampler == DEFAULT_SAMPLER else f"|{sorted(sampler.describe().items())}"  # default keeps the published cache keys
    key = hashlib.sha256(f"{model_key}|{prompt}|{count}|{steps}|{guidance_scale}{sampler_key}".encode()).hexdigest()[:16]
    path = cache_root() / "t2i-regularization" / f"{key}.safetensors"
    if path.is_file():
        return load_file(str(path))["images"]
    noise = EvalNoise(0)  # the same images for every run of the bench (the cache key names what they depend on)
    purposes = [("regularization", j) for j in range(count)]
    start = torch.stack([noise.start_noise(model.latent_shape, *purpose) for purpose in purposes])
    images = model.sample([prompt] * count, start, steps, guidance_scale, sampler=sampler, noise_seeds=noise.sampler_seeds(purposes))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    save_file({"images": images.contiguous()}, str(temporary))
    os.replace(temporary, path)
    return images


@register_track("t2i")
class TextToImageTrack(Track):
    sparse_rows = True  # C-LoRA's 50-concept sequence: --eval-rows every-K

    def task_names(self, bench: BenchSpec) -> list[str]:
        return tasks.task_names(bench, tasks.t2i_options(bench))

    def check_ready(self, bench: BenchSpec, options: BuildOptions) -> None:
        """Data (the `harness data check` lines), every metric's weights and the backbone's folder, before any work."""
        if tasks.t2i_options(bench).kind == "folders":
            require_data(bench, options.data_root)
            for metric in bench_metrics(bench):
                if metric.check_ready is not None:
                    metric.check_ready()
        bench_sampler(bench.evaluation)
        backbone, config = _backbone(bench)
        pop_compute_options(config)
        backbone.check_ready(config, options)

    def load(self, bench: BenchSpec, options: BuildOptions) -> LoadedBench:
        t2i = tasks.t2i_options(bench)
        if t2i.kind == "folders":
            backbone, config = _backbone(bench)
            data = tasks.load_folder_source(bench, options.data_root, options.order_seed, backbone.folder(config, options))
        else:
            data = tasks.load_digit_source(bench, t2i, options.order_seed)
        return LoadedBench(tasks=data.tasks, num_classes=len(data.tasks), data=data)

    def build_backbone(self, bench: BenchSpec, loaded: LoadedBench, options: BuildOptions) -> torch.nn.Module:
        backbone, config = _backbone(bench)
        return backbone.build(config, loaded.data, options)[0]

    def regularization(self, bench: BenchSpec, loaded: LoadedBench, backbone: torch.nn.Module, options: BuildOptions) -> Regularization:
        """The bench's class prompt and, when it asks for them, base-model samples of it (cached by everything they depend on)."""
        t2i = tasks.t2i_options(bench)
        if not t2i.regularization_images:
            return Regularization(loaded.data.class_prompt)
        spec, config = _backbone(bench)
        images = regularization_images(backbone, spec.key(config, loaded.data, options), loaded.data.class_prompt, t2i.regularization_images,
                                       t2i.regularization_steps, t2i.guidance_scale, bench_sampler(bench.evaluation))
        return Regularization(loaded.data.class_prompt, images)

    def evaluator(self, bench: BenchSpec, loaded: LoadedBench, profile: Profile, noise: EvalNoise, device: torch.device,
                  record_path: Path) -> T2IEvaluator:
        t2i = tasks.t2i_options(bench)
        evaluation = FolderEvaluator if t2i.kind == "folders" else JudgedEvaluator
        return evaluation(bench, loaded.data, profile, noise, device, record_path, t2i.guidance_scale, bench_sampler(bench.evaluation))
