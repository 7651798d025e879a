"""UnlearnCanvas styles (the LoRA-merging study's style tasks).

Layout: the UnlearnCanvas dataset under `style_unlearn/` of the data root, as the study places it:
    style_unlearn/<Style>/<Object>/<n>.jpg     n = 1..20, for every style and object
    style_unlearn/Seed_Images/<Object>/...     the unstylized seed images (names objects)
Rule (the study's preprocess/generate_style_dataset.py, SEED = 42), draws in its order: sample
`concepts` training objects from the sorted Seed_Images objects (the rest are metric objects),
sample `concepts` styles from the sorted style folders, draw one image index 1..20 per metric
object, then per style sample `train_images` images of its training object. A style's reference
images are its images of the metric objects at those indices.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from benchmarks.concepts._source import Concept, ConceptSource, Missing, checked_name, register_source
from core.errors import UsageError

ROOT = "style_unlearn"
SEED_IMAGES = "Seed_Images"


def _folders(path: Path) -> list[str]:
    return sorted(checked_name(entry.name, f"folder under {path}") for entry in path.iterdir() if entry.is_dir())


def _files(path: Path) -> list[str]:
    return sorted(entry.name for entry in path.iterdir() if entry.is_file()) if path.is_dir() else []


@register_source("unlearn-canvas")
class UnlearnCanvas(ConceptSource):
    option_names = ("concepts", "train_images")

    def missing_metadata(self, root: Path, options: dict[str, Any]) -> list[Missing]:
        if not (root / ROOT / SEED_IMAGES).is_dir():
            return [Missing(f"{ROOT}/{SEED_IMAGES}/", "the UnlearnCanvas dataset (its style folders and Seed_Images/) placed as style_unlearn/")]
        return []

    def select(self, root: Path, options: dict[str, Any], seed: int) -> list[Concept]:
        count, per_style = int(options["concepts"]), int(options.get("train_images", 5))
        base = root / ROOT
        objects = _folders(base / SEED_IMAGES)
        styles = [name for name in _folders(base) if name != SEED_IMAGES]
        if len(objects) <= count or len(styles) < count:
            raise UsageError(f"{base} has {len(objects)} objects and {len(styles)} styles; the bench needs more than {count} objects and {count} styles")
        rng = random.Random(seed)
        train_objects = rng.sample(objects, count)
        metric_objects = [name for name in objects if name not in train_objects]
        chosen = rng.sample(styles, count)
        metric_indices = rng.choices(range(1, 21), k=len(metric_objects))
        concepts = []
        for style, train_object in zip(chosen, train_objects):
            candidates = _files(base / style / train_object)
            if len(candidates) < per_style:
                candidates = [f"{n}.jpg" for n in range(1, 21)]  # absent folder: the published names, reported as missing
            train = tuple(f"{ROOT}/{style}/{train_object}/{name}" for name in rng.sample(candidates, per_style))
            references = tuple(f"{ROOT}/{style}/{obj}/{index}.jpg" for obj, index in zip(metric_objects, metric_indices))
            label = style.lower().replace("_", " ")
            concepts.append(Concept(style, label, "", train, references, {"train_object": train_object.lower().replace("_", " ")}))
        return concepts
