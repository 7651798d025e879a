"""An ImageNet subset read from a local ImageFolder layout: ROOT/<folder>/{train,val}/<wnid>/*.

`classes` names a list under benchmarks/data/lists/ (one WordNet id a line; the label is the
line number). Every image is resized (shorter side) and center-cropped to `image_size`,
then mapped to [-1, 1]. The val split must be arranged by class folder like train.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torchvision.transforms import functional as TF

from benchmarks.data._source import DATA_CHECKS, DATA_SOURCES, LabeledImages
from benchmarks.data.torchvision_mnist import resolve_root
from core.errors import RunFailure, UsageError
from core.typed_options import Count

LISTS = Path(__file__).resolve().parent / "lists"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
WNID = re.compile(r"^n\d{8}$")
EXTENSIONS = {".jpeg", ".jpg", ".png"}
SPLITS = ("train", "val")


def class_list(name: str) -> list[str]:
    if not NAME.match(name) or not (LISTS / f"{name}.txt").is_file():
        known = ", ".join(sorted(p.stem for p in LISTS.glob("*.txt")))
        raise UsageError(f"imagenet-folder: unknown class list {name!r}; known lists are {known}")
    wnids = (LISTS / f"{name}.txt").read_text().split()
    if not all(WNID.match(w) for w in wnids) or len(set(wnids)) != len(wnids):
        raise UsageError(f"class list {name} must hold distinct WordNet ids (n + 8 digits), one a line")
    return wnids


def _folder(data_root: str | None, folder: str) -> Path:
    if not NAME.match(folder):
        raise UsageError(f"imagenet-folder: folder {folder!r} must match {NAME.pattern}")
    return resolve_root(data_root) / folder


def _images(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix.lower() in EXTENSIONS and p.is_file()) if directory.is_dir() else []


@DATA_CHECKS.register("imagenet-folder")
def check_imagenet_folder(data_root: str | None = None, folder: str = "imagenet", classes: str = "imagenet100", image_size: int = 64) -> list[str]:
    root = _folder(data_root, folder)
    return [f"{root / split / wnid}/ (no images)" for split in SPLITS for wnid in class_list(classes) if not _images(root / split / wnid)]


def _load(path: Path, size: int) -> np.ndarray:
    try:
        with Image.open(path) as image:
            image = TF.center_crop(TF.resize(image.convert("RGB"), size), size)
            return np.asarray(image, dtype=np.uint8).transpose(2, 0, 1)
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise RunFailure(f"cannot read image {path}: {exc}") from None


def _split(root: Path, wnids: list[str], size: int) -> tuple[torch.Tensor, torch.Tensor]:
    arrays, labels = [], []
    for label, wnid in enumerate(wnids):
        for path in _images(root / wnid):
            arrays.append(_load(path, size))
            labels.append(label)
    images = torch.from_numpy(np.stack(arrays)).float() / 255.0 * 2.0 - 1.0
    return images, torch.tensor(labels, dtype=torch.long)


@DATA_SOURCES.register("imagenet-folder")
def load_imagenet_folder(data_root: str | None = None, folder: str = "imagenet", classes: str = "imagenet100", image_size: Count = 64) -> LabeledImages:
    """Train / val of the listed classes at image_size x image_size RGB in [-1, 1]."""
    if not 8 <= int(image_size) <= 512:
        raise UsageError(f"imagenet-folder: image_size must be in 8..512, got {image_size}")
    missing = check_imagenet_folder(data_root, folder, classes, image_size)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise RunFailure(f"the ImageNet subset is incomplete under the data root: {shown} (ImageFolder layout: {folder}/train/<wnid>/*.JPEG and {folder}/val/<wnid>/*.JPEG)")
    root, wnids = _folder(data_root, folder), class_list(classes)
    (train_x, train_y), (test_x, test_y) = (_split(root / split, wnids, int(image_size)) for split in SPLITS)
    return LabeledImages(train_x=train_x, train_y=train_y, test_x=test_x, test_y=test_y, num_classes=len(wnids))
