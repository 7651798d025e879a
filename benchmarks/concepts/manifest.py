"""A concept bench's manifest: which concepts, which images, in which task order, with which
prompts. It is a pure function of the bench spec, the files under the data root and the order
seed, so `harness data prepare` and every run compute the same one; its hash goes into records.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from benchmarks.concepts._source import CONCEPT_SOURCES, Concept, ConceptSource
from core.errors import RunFailure, UsageError
from metrics.features.images import content_hash

MANIFEST_VERSION = 1
TRACK_KEYS = ("guidance_scale", "regularization_images", "regularization_steps")


class BenchSpec(Protocol):
    """What a concept bench's data reads of its bench spec (harness/bench.py's BenchSpec has it)."""

    name: str
    version: int
    spec_hash: str
    tasks: Any  # the task groups: one concept position each
    data: dict[str, Any]  # data.source and the source's options
    evaluation: dict[str, Any]  # prompts and resolution

    @property
    def num_tasks(self) -> int: ...


@dataclass(frozen=True)
class Manifest:
    content: dict[str, Any]

    @property
    def hash(self) -> str:
        return manifest_hash(self.content)

    @property
    def concepts(self) -> list[dict[str, Any]]:
        return self.content["concepts"]

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({**self.content, "manifest_hash": self.hash}, indent=1, sort_keys=True) + "\n")
        os.replace(temporary, path)
        return path


def manifest_hash(content: dict[str, Any]) -> str:
    body = {key: value for key, value in content.items() if key != "manifest_hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def resolve_root(data_root: str | None, bench: BenchSpec) -> Path:
    root = data_root or os.environ.get("HARNESS_DATA")
    if not root:
        raise RunFailure(f"bench {bench.name} reads {bench.data.get('source')} from a local root: pass --data-root DIR or set HARNESS_DATA (`harness data check {bench.name} --data-root DIR` lists what goes there)")
    return Path(root)


def source_and_options(bench: BenchSpec) -> tuple[ConceptSource, dict[str, Any], int]:
    options = dict(bench.data)
    name = options.pop("source", None)
    if name not in CONCEPT_SOURCES:
        raise UsageError(CONCEPT_SOURCES.unknown_message(str(name)) + f" (bench {bench.name}'s data.source)")
    selection_seed = int(options.pop("selection_seed", 0))
    for key in TRACK_KEYS:  # sampling options the t2i track reads from the same block
        options.pop(key, None)
    source = CONCEPT_SOURCES.get(name)
    source.check_options(options)
    if "concepts" not in options or int(options["concepts"]) != bench.num_tasks:
        raise UsageError(f"bench {bench.name}: data.concepts must equal its number of tasks ({bench.num_tasks})")
    return source, options, selection_seed


def missing_lines(bench: BenchSpec, data_root: str | None) -> list[str]:
    """Every file or folder absent from the root that the bench reads, one line each."""
    root = resolve_root(data_root, bench)
    source, options, seed = source_and_options(bench)
    missing = source.missing_metadata(root, options)
    if not missing:
        missing = source.missing_images(root, source.select(root, options, seed))
    return [item.line(root) for item in missing]


def require_data(bench: BenchSpec, data_root: str | None) -> None:
    """One RunFailure listing everything missing (the `harness data check` lines), before any work."""
    lines = missing_lines(bench, data_root)
    if lines:
        raise RunFailure(f"data for bench {bench.name} is incomplete ({len(lines)} missing; `harness data check {bench.name}` lists the same):\n" + "\n".join(lines))


def task_order(concept_ids: list[str], order_seed: int | None) -> list[str]:
    """The paper's order, or the LoRA-merging study's shuffle: random.seed(order); random.shuffle."""
    order = list(concept_ids)
    if order_seed is not None:
        random.Random(order_seed).shuffle(order)
    return order


def fill_words(template: str, words: dict[str, str]) -> str:
    """`template` with each {key} of `words` replaced (other braces stay)."""
    for key, value in words.items():
        template = template.replace("{" + key + "}", value)
    return template


def _prompts(bench: BenchSpec, concept: Concept) -> dict[str, Any]:
    protocol = bench.evaluation
    values = {"class_noun": concept.class_noun, "label": concept.label, **concept.extra}

    def fill(text: str) -> str:  # {subject} stays: the track fills it with the method's token
        return fill_words(text, values)

    return {
        "train_prompt": fill(protocol.get("train_prompt", "a photo of {subject}")),
        "prompts": [fill(text) for text in protocol.get("prompts", ["a photo of {subject}"])],
        "alignment_prompt": fill(protocol.get("alignment_prompt", "a {class_noun}")),
        "class_prompt": fill(protocol.get("class_prompt", "a photo of a {class_noun}")),
    }


def build_manifest(bench: BenchSpec, data_root: str | None, order_seed: int | None = None) -> Manifest:
    """The manifest of a complete root (missing files: the same error as `require_data`)."""
    require_data(bench, data_root)
    root = resolve_root(data_root, bench)
    source, options, selection_seed = source_and_options(bench)
    selected = {concept.concept_id: concept for concept in source.select(root, options, selection_seed)}
    concepts = []
    for concept_id in task_order(list(selected), order_seed):
        concept = selected[concept_id]
        files = sorted(set(concept.train_images) | set(concept.reference_images))
        entry = {**asdict(concept), "images_sha256": content_hash([root / path for path in files]), **_prompts(bench, concept)}
        entry["train_images"], entry["reference_images"] = list(concept.train_images), list(concept.reference_images)
        concepts.append(entry)
    return Manifest({
        "manifest_version": MANIFEST_VERSION,
        "bench": {"name": bench.name, "version": bench.version, "spec_hash": bench.spec_hash},
        "source": source.name,
        "options": options,
        "selection_seed": selection_seed,
        "order_seed": order_seed,
        "task_order": [concept["concept_id"] for concept in concepts],
        "concepts": concepts,
    })


def default_manifest_path(bench: BenchSpec, data_root: str | None, order_seed: int | None) -> Path:
    suffix = "" if order_seed is None else f"-order{order_seed}"
    return resolve_root(data_root, bench) / "manifests" / f"{bench.name}{suffix}.json"
