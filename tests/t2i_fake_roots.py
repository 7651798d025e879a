"""Fake data roots in the exact published layouts of the t2i concept datasets: a few generated
images per concept and the real metadata file formats (headers, separators, folder nesting)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.concepts import dreambooth

IMAGE_SIZE = 24


def _image(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=3)
    pixels = np.clip(base + rng.integers(-40, 40, size=(IMAGE_SIZE, IMAGE_SIZE + 8, 3)), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, quality=90)


def write_celeba_hq(root: Path, counts: dict[int, int]) -> Path:
    """CelebA identities -> number of CelebA-HQ images; CelebA images of other identities too."""
    hq_rows, identity_rows, hq_index = [], [], 0
    celeba_number = 1
    for identity, count in sorted(counts.items()):
        for _ in range(count):
            orig = f"{celeba_number:06d}.jpg"
            identity_rows.append(f"{orig} {identity}")
            hq_rows.append(f"{hq_index:<12d}{celeba_number - 1:<12d}{orig}")
            _image(root / "CelebAMask-HQ" / "CelebA-HQ-img" / f"{hq_index}.jpg", identity * 1000 + hq_index)
            hq_index += 1
            celeba_number += 1
        identity_rows.append(f"{celeba_number:06d}.jpg {identity}")  # a CelebA image outside CelebA-HQ
        celeba_number += 1
    (root / "CelebA" / "Anno").mkdir(parents=True, exist_ok=True)
    (root / "CelebA" / "Anno" / "identity_CelebA.txt").write_text("\n".join(identity_rows) + "\n")
    header = f"{'idx':<12}{'orig_idx':<12}orig_file"
    (root / "CelebAMask-HQ" / "CelebA-HQ-to-CelebA-mapping.txt").write_text("\n".join([header, *hq_rows]) + "\n")
    return root


def write_google_landmarks(root: Path, landmarks: dict[int, tuple[str, int]]) -> Path:
    """landmark id -> (supercategory, number of train images)."""
    base = root / "google-landmarks-v2"
    base.mkdir(parents=True, exist_ok=True)
    train = ["id,url,landmark_id"]
    hierarchy = ["landmark_id,category,supercategory,hierarchical_label,natural_or_human_made"]
    for landmark, (supercategory, count) in sorted(landmarks.items()):
        category = f"http://commons.wikimedia.org/wiki/Category:Landmark_{landmark}"
        natural = "natural" if supercategory == "waterfall" else "human-made"
        hierarchy.append(f"{landmark},{category},{supercategory},{supercategory},{natural}")
        for index in range(count):
            image_id = hashlib.sha256(f"{landmark}-{index}".encode()).hexdigest()[:16]
            train.append(f"{image_id},https://upload.wikimedia.org/wikipedia/commons/x/{image_id}.jpg,{landmark}")
            _image(base / "train" / image_id[0] / image_id[1] / image_id[2] / f"{image_id}.jpg", landmark * 100 + index)
    (base / "train.csv").write_text("\n".join(train) + "\n")
    (base / "train_label_to_hierarchical.csv").write_text("\n".join(hierarchy) + "\n")
    return root


def write_dreambooth(root: Path, images_per_subject: int = 3) -> Path:
    subjects = sorted({subject for group in dreambooth.CLASSES.values() for subject in group})
    for number, subject in enumerate(subjects):
        for index in range(images_per_subject):
            _image(root / "dreambooth" / "dataset" / subject / f"{index:02d}.jpg", number * 10 + index)
    (root / "dreambooth" / "dataset" / "prompts_and_classes.txt").write_text("Classes\nsubject_name,class\n")
    return root


def write_unlearn_canvas(root: Path, styles: int = 10, objects: int = 11) -> Path:
    base = root / "style_unlearn"
    object_names = [f"Object{n:02d}" for n in range(objects)]
    for number, name in enumerate(object_names):
        _image(base / "Seed_Images" / name / "1.jpg", 50_000 + number)
    for style in range(styles):
        for number, name in enumerate(object_names):
            for index in range(1, 21):
                _image(base / f"Style_{style:02d}" / name / f"{index}.jpg", style * 10_000 + number * 100 + index)
    return root
