"""The t2i track's tasks: one concept each, from one of two kinds of data source.

`data.source` names either an embedded digit source (benchmarks/data/digit_concepts.py:
digit-concepts, digit-styles) or a concept-folder source (benchmarks/concepts: one custom token
per concept, training images squared to the model's native resolution, prompts with the token
as subject). The bench's track options (guidance scale, regularization images) are read here,
once, into `T2IOptions`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import torch
from pydantic import Field

from benchmarks.concepts import CONCEPT_SOURCES as FOLDER_SOURCES
from benchmarks.concepts.manifest import fill_words
from benchmarks.concepts.tasks import load_concept_tasks
from benchmarks.data.concept_sources import CONCEPT_SOURCES as DIGIT_SOURCES
from benchmarks.data.digit_concepts import ConceptBench
from core.errors import UsageError
from core.typed_options import call_with_options
from harness.bench import BenchSpec

TOKEN_FORMAT = "<c{index}>"
SOURCE_KINDS = {**{name: "digits" for name in DIGIT_SOURCES}, **{name: "folders" for name in FOLDER_SOURCES.names()}}


@dataclass(frozen=True)
class T2IOptions:
    """A t2i bench's `data` block: its source, the source's own options, and the track's."""

    source: str
    kind: str  # "digits" or "folders": which loader and which evaluation (judges or feature extractors)
    loader_options: dict[str, Any] = field(default_factory=dict)
    guidance_scale: float = 1.0
    regularization_images: int = 0  # base-model samples of the class prompt handed to every method
    regularization_steps: int = 25


def t2i_options(bench: BenchSpec) -> T2IOptions:
    options = dict(bench.data)
    source = options.pop("source", None)
    if source not in SOURCE_KINDS:
        raise UsageError(f"t2i bench {bench.name}: data source {source!r} is not one of {', '.join(sorted(SOURCE_KINDS))}")
    track = {key: options.pop(key) for key in ("guidance_scale", "regularization_images", "regularization_steps") if key in options}
    return T2IOptions(source, SOURCE_KINDS[source], options if SOURCE_KINDS[source] == "digits" else {},
                      *call_with_options(_track_options, f"bench spec {bench.path}: data", **track))


def _track_options(guidance_scale: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 1.0,
                   regularization_images: Annotated[int, Field(strict=True, ge=0, le=100_000)] = 0,
                   regularization_steps: Annotated[int, Field(strict=True, ge=1, le=1000)] = 25) -> tuple[float, int, int]:
    """The t2i track's own keys of a `data` block (the rest belong to the source)."""
    return guidance_scale, regularization_images, regularization_steps


def load_digit_source(bench: BenchSpec, options: T2IOptions, order_seed: int | None = None) -> ConceptBench:
    """The concept bench of a digit source; a run's `order_seed` (when set) picks and orders its concepts."""
    extra = {} if order_seed is None else {"order_seed": order_seed}
    return call_with_options(DIGIT_SOURCES[options.source], f"bench spec {bench.path}: data", bench.tasks, **options.loader_options, **extra)


@dataclass(frozen=True)
class FolderTask:
    """One concept of a folder bench, as the LoRA-family methods read a task (index, token,
    train_images, train_prompts), plus what its evaluation reads."""

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
class FolderConcepts:
    tasks: list[FolderTask]
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


def task_names(bench: BenchSpec, options: T2IOptions) -> list[str]:
    if options.kind == "folders":
        return [f"concept {position + 1} of the manifest order" for position in range(bench.num_tasks)]
    return [task.name for task in load_digit_source(bench, options).tasks]


def load_folder_source(bench: BenchSpec, data_root: str | None, order_seed: int | None, model_folder: Path | None) -> FolderConcepts:
    resolution = (native_resolution(model_folder) if model_folder else None) or int(bench.evaluation.get("resolution", 512))
    manifest, concepts = load_concept_tasks(bench, data_root, order_seed, resolution)
    subject = str(bench.evaluation.get("subject", "{token}"))
    tasks = []
    word_token = bench.evaluation.get("token")  # a template of the concept's words: the study's fixed word, no new token
    for concept in concepts:
        token = fill_words(str(word_token), concept.words) if word_token else TOKEN_FORMAT.format(index=concept.index)
        words = subject.replace("{token}", token).replace("{class_noun}", concept.class_noun).strip()
        fill = lambda text: text.replace("{subject}", words)  # noqa: E731
        tasks.append(FolderTask(
            index=concept.index, token=token, label=concept.label, concept_id=concept.concept_id,
            train_images=concept.train_images, train_prompts=(fill(concept.train_prompt),) * concept.train_images.shape[0],
            eval_prompts=tuple(fill(prompt) for prompt in concept.prompts), alignment_prompt=concept.alignment_prompt,
            reference_paths=concept.reference_paths, custom_token=not word_token,
        ))
    class_prompt = concepts[0].class_prompt if concepts else ""
    return FolderConcepts(tasks, class_prompt, manifest.hash, manifest.content["task_order"], resolution)
