"""ImageNet-R (Hendrycks et al., 2021) with CODA-Prompt's fixed 80/20 split (24,000 / 6,000).

Images are read from ROOT/imagenet-r/<wnid>/<file>.jpg, the layout of the official
imagenet-r.tar. The split, its order and the class index of every wnid are CODA-Prompt's
(benchmarks/data/splits/imagenet-r-coda.json.gz, made by scripts/make_imagenet_r_split.py).
Transforms are CODA-Prompt's (dataloaders/utils.py): RandomResizedCrop(224) and a horizontal
flip for training; Resize(256) and CenterCrop(224) for testing; normalisation lives in the
backbone (the bench's `backbone.normalize`).
"""

from __future__ import annotations

import gzip
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Callable

import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms

from core.errors import UsageError

SPLIT_DIR = Path(__file__).resolve().parent / "splits"
FOLDER = "imagenet-r"


@lru_cache(maxsize=4)
def read_split(path: str) -> dict:
    """The split file: {'classes': [wnid per class index], 'train': [...], 'test': [...]}."""
    with gzip.open(path, "rt") as handle:
        split = json.load(handle)
    if not {"classes", "train", "test"} <= set(split):
        raise UsageError(f"split file {path} lacks classes/train/test lists")
    return split


def coda_transform(train: bool, size: int = 224) -> Callable[[Image.Image], torch.Tensor]:
    if train:
        return transforms.Compose([transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip(), transforms.ToTensor()])
    return transforms.Compose([transforms.Resize(size * 256 // 224), transforms.CenterCrop(size), transforms.ToTensor()])


class ImageFiles(Dataset):
    """(transformed RGB image, class index) for a list of files under one folder."""

    def __init__(self, folder: Path, files: list[str], labels: list[int], transform: Callable[[Image.Image], torch.Tensor]) -> None:
        self.folder, self.files, self.labels, self.transform = folder, files, labels, transform

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        with Image.open(self.folder / self.files[index]) as image:
            return self.transform(image.convert("RGB")), self.labels[index]


def resolve_root(data_root: str | None) -> Path:
    root = data_root or os.environ.get("HARNESS_DATA")
    if not root:
        raise UsageError("ImageNet-R needs a data root: pass --data-root or set HARNESS_DATA to the folder that holds imagenet-r/<wnid>/*.jpg")
    return Path(root)


def missing_files(data_root: str | None, split_file: str = "imagenet-r-coda.json.gz") -> list[str]:
    """The split's files absent under ROOT/imagenet-r (what `harness data check` reports)."""
    split = read_split(str(SPLIT_DIR / split_file))
    folder = resolve_root(data_root) / FOLDER
    return [name for name in split["train"] + split["test"] if not (folder / name).is_file()]


def load_imagenet_r(data_root: str | None, split_file: str = "imagenet-r-coda.json.gz", image_size: int = 224) -> tuple[Dataset, list[int], Dataset, list[int], int]:
    """(train, train labels, test, test labels, number of classes); one clear error if files are missing."""
    if "/" in split_file or not split_file.endswith(".json.gz"):
        raise UsageError(f"data.split_file {split_file!r} must name a .json.gz file in benchmarks/data/splits/")
    split = read_split(str(SPLIT_DIR / split_file))
    folder = resolve_root(data_root) / FOLDER
    missing = missing_files(data_root, split_file)
    if missing:
        raise UsageError(
            f"ImageNet-R: {len(missing)} of {len(split['train']) + len(split['test'])} files missing under {folder} "
            f"(first: {missing[0]}): extract imagenet-r.tar there so that {folder}/<wnid>/<file>.jpg exist"
        )
    index = {wnid: i for i, wnid in enumerate(split["classes"])}
    labels = lambda files: [index[name.split("/")[0]] for name in files]  # noqa: E731
    train_labels, test_labels = labels(split["train"]), labels(split["test"])
    train = ImageFiles(folder, split["train"], train_labels, coda_transform(True, image_size))
    test = ImageFiles(folder, split["test"], test_labels, coda_transform(False, image_size))
    return train, train_labels, test, test_labels, len(split["classes"])
