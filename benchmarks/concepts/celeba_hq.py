"""CelebA-HQ identities (C-LoRA's faces): CelebA-HQ images grouped by CelebA's identity labels.

Layout under the data root, as the datasets' owners publish them:
    CelebAMask-HQ/CelebA-HQ-img/<hq index>.jpg          the 30,000 CelebA-HQ images
    CelebAMask-HQ/CelebA-HQ-to-CelebA-mapping.txt       "idx orig_idx orig_file" (header + rows)
    CelebA/Anno/identity_CelebA.txt                     "<orig_file> <identity>" per CelebA image
Rule (C-LoRA Section 4.1, Appendix): identities with at least `min_images` CelebA-HQ images,
`concepts` of them drawn at random with the selection seed; every image of an identity is both a
training image and a reference image of its concept (C-LoRA's MMD compares samples with the
concept's dataset images).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.concepts._source import Concept, ConceptSource, Missing, register_source, seeded_sample
from core.errors import UsageError

IMAGES = "CelebAMask-HQ/CelebA-HQ-img"
MAPPING = "CelebAMask-HQ/CelebA-HQ-to-CelebA-mapping.txt"
IDENTITIES = "CelebA/Anno/identity_CelebA.txt"


def _rows(path: Path, columns: int, header: bool) -> list[list[str]]:
    lines = path.read_text().splitlines()[1 if header else 0 :]
    rows = [line.split() for line in lines if line.strip()]
    bad = next((index for index, row in enumerate(rows) if len(row) != columns), None)
    if bad is not None:
        raise UsageError(f"{path} line {bad + 1 + header} has {len(rows[bad])} fields, expected {columns}: it is not the published file")
    return rows


def images_by_identity(root: Path) -> dict[int, list[int]]:
    """CelebA identity -> sorted CelebA-HQ indices of its images."""
    identity_of = {name: identity for name, identity in _rows(root / IDENTITIES, 2, header=False)}
    grouped: dict[int, list[int]] = defaultdict(list)
    for hq_index, _, orig_file in _rows(root / MAPPING, 3, header=True):
        if orig_file not in identity_of:
            raise UsageError(f"{root / MAPPING} names {orig_file}, which {root / IDENTITIES} does not label: the two files do not belong together")
        try:
            grouped[int(identity_of[orig_file])].append(int(hq_index))
        except ValueError:
            raise UsageError(f"{root / MAPPING}: non-integer index or identity for {orig_file}") from None
    return {identity: sorted(indices) for identity, indices in grouped.items()}


@register_source("celeba-hq")
class CelebAHQ(ConceptSource):
    option_names = ("concepts", "min_images")

    def missing_metadata(self, root: Path, options: dict[str, Any]) -> list[Missing]:
        wanted = [
            Missing(MAPPING, "CelebAMask-HQ's CelebA-HQ-to-CelebA-mapping.txt"),
            Missing(IDENTITIES, "CelebA's identity annotations (Anno/identity_CelebA.txt)"),
        ]
        missing = [item for item in wanted if not (root / item.path).is_file()]
        if not (root / IMAGES).is_dir():
            missing.append(Missing(IMAGES + "/", "the folder of CelebA-HQ images named <index>.jpg (CelebAMask-HQ's CelebA-HQ-img)"))
        return missing

    def select(self, root: Path, options: dict[str, Any], seed: int) -> list[Concept]:
        count, min_images = int(options["concepts"]), int(options.get("min_images", 15))
        groups = images_by_identity(root)
        valid = sorted(identity for identity, indices in groups.items() if len(indices) >= min_images)
        chosen = seeded_sample(valid, count, seed, f"CelebA identities with at least {min_images} CelebA-HQ images")
        concepts = []
        for identity in chosen:
            images = tuple(f"{IMAGES}/{index}.jpg" for index in groups[identity])
            concepts.append(Concept(f"celeba-{identity}", f"CelebA identity {identity}", "person", images, images))
        return concepts
