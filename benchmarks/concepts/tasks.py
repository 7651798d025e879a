"""A concept bench's tasks as the t2i track trains and scores them, read through its manifest."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torchvision.transforms.v2 import functional as TF

from benchmarks.concepts.manifest import BenchSpec, Manifest, build_manifest, resolve_root
from core.errors import UsageError
from metrics.features.images import read_images


@dataclass(frozen=True)
class ConceptTask:
    """Task `index` of the sequence: one concept, its training images and its evaluation inputs.
    Prompt templates keep `{subject}`, which the track fills with the method's custom token."""

    index: int
    concept_id: str
    label: str
    class_noun: str
    train_images: torch.Tensor  # (N, 3, R, R) in [-1, 1], R = the bench's resolution
    reference_paths: tuple[Path, ...]
    train_prompt: str
    prompts: tuple[str, ...]
    alignment_prompt: str
    class_prompt: str
    words: dict[str, str] = field(default_factory=dict)  # {label}, {class_noun} and the source's extra words (e.g. study_token)

    @property
    def name(self) -> str:
        return self.concept_id


def square_images(images: list[torch.Tensor], resolution: int) -> torch.Tensor:
    """Short side resized to `resolution` (bicubic, antialiased), center crop, [-1, 1]."""
    out = []
    for image in images:
        image = TF.resize(image, [resolution], interpolation=TF.InterpolationMode.BICUBIC, antialias=True)
        out.append(TF.center_crop(image, [resolution, resolution]).float() / 127.5 - 1.0)
    return torch.stack(out)


def load_concept_tasks(bench: BenchSpec, data_root: str | None, order_seed: int | None = None, resolution: int | None = None) -> tuple[Manifest, list[ConceptTask]]:
    """The manifest (its hash belongs in the record) and the bench's tasks in the manifest's order."""
    manifest = build_manifest(bench, data_root, order_seed)
    root = resolve_root(data_root, bench)
    size = int(resolution or bench.evaluation.get("resolution", 512))
    tasks = []
    for position, group in enumerate(bench.tasks):
        if len(group) != 1 or not 0 <= group[0] < len(manifest.concepts):
            raise UsageError(f"bench {bench.name} task {position} is {list(group)}: a concept bench's task names one concept position 0..{len(manifest.concepts) - 1}, e.g. [3]")
        concept = manifest.concepts[group[0]]
        tasks.append(ConceptTask(
            index=position,
            concept_id=concept["concept_id"],
            label=concept["label"],
            class_noun=concept["class_noun"],
            train_images=square_images(read_images([root / path for path in concept["train_images"]]), size),
            reference_paths=tuple(root / path for path in concept["reference_images"]),
            train_prompt=concept["train_prompt"],
            prompts=tuple(concept["prompts"]),
            alignment_prompt=concept["alignment_prompt"],
            class_prompt=concept["class_prompt"],
            words={"label": concept["label"], "class_noun": concept["class_noun"], **concept.get("extra", {})},
        ))
    return manifest, tasks
