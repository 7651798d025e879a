"""Google Landmarks v2 waterfalls (C-LoRA's landmark tasks).

Layout under the data root (`google-landmarks-v2/`), as the dataset's owners publish it:
    train.csv                          id,url,landmark_id
    train_label_to_hierarchical.csv    landmark_id,category,supercategory,hierarchical_label,natural_or_human_made
    train/<a>/<b>/<c>/<id>.jpg         a, b, c: the first three characters of the image id
Rule (C-LoRA Section 4.2): waterfall landmarks (supercategory or hierarchical label "waterfall")
with at least `min_images` training images, `concepts` of them drawn at random with the selection
seed; `landmark_ids`, when given, restricts the candidates (the published metadata has no
continent, so C-LoRA's "North American" restriction needs such a list). A landmark's first
`max_images` images (sorted by id; all when null) are its training and reference images.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.concepts._source import Concept, ConceptSource, Missing, checked_name, register_source, seeded_sample
from core.errors import UsageError

ROOT = "google-landmarks-v2"
TRAIN_CSV = f"{ROOT}/train.csv"
HIERARCHY_CSV = f"{ROOT}/train_label_to_hierarchical.csv"


def image_path(image_id: str) -> str:
    checked_name(image_id, "Google Landmarks image id")
    return f"{ROOT}/train/{image_id[0]}/{image_id[1]}/{image_id[2]}/{image_id}.jpg"


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        reader = csv.DictReader(stream)
        if reader.fieldnames is None or not set(columns) <= set(reader.fieldnames):
            raise UsageError(f"{path} has columns {reader.fieldnames}, expected at least {', '.join(columns)}: it is not the published file")
        return list(reader)


def waterfall_landmarks(root: Path) -> dict[int, str]:
    """landmark id -> its Wikimedia category, for every landmark labelled as a waterfall."""
    rows = _read_csv(root / HIERARCHY_CSV, ("landmark_id", "category", "supercategory", "hierarchical_label"))
    return {
        int(row["landmark_id"]): row["category"]
        for row in rows
        if "waterfall" in {row["supercategory"].strip().lower(), row["hierarchical_label"].strip().lower()}
    }


def images_by_landmark(root: Path, wanted: set[int]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    for row in _read_csv(root / TRAIN_CSV, ("id", "landmark_id")):
        landmark = int(row["landmark_id"])
        if landmark in wanted:
            grouped[landmark].append(row["id"])
    return {landmark: sorted(ids) for landmark, ids in grouped.items()}


@register_source("google-landmarks-v2")
class GoogleLandmarksV2(ConceptSource):
    option_names = ("concepts", "min_images", "max_images", "landmark_ids")

    def missing_metadata(self, root: Path, options: dict[str, Any]) -> list[Missing]:
        wanted = [
            Missing(TRAIN_CSV, "Google Landmarks v2 train.csv (id,url,landmark_id)"),
            Missing(HIERARCHY_CSV, "Google Landmarks v2 train_label_to_hierarchical.csv"),
        ]
        return [item for item in wanted if not (root / item.path).is_file()]

    def select(self, root: Path, options: dict[str, Any], seed: int) -> list[Concept]:
        count, min_images = int(options["concepts"]), int(options.get("min_images", 15))
        limit = options.get("max_images")
        categories = waterfall_landmarks(root)
        pinned = options.get("landmark_ids")
        if pinned:
            categories = {landmark: name for landmark, name in categories.items() if landmark in {int(i) for i in pinned}}
        groups = images_by_landmark(root, set(categories))
        valid = sorted(landmark for landmark, ids in groups.items() if len(ids) >= min_images)
        chosen = seeded_sample(valid, count, seed, f"waterfall landmarks with at least {min_images} training images")
        concepts = []
        for landmark in chosen:
            ids = groups[landmark][: int(limit)] if limit else groups[landmark]
            images = tuple(image_path(image_id) for image_id in ids)
            label = categories[landmark].rsplit("Category:", 1)[-1].replace("_", " ")
            concepts.append(Concept(f"gldv2-{landmark}", label, "waterfall", images, images))
        return concepts
