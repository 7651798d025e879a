"""CIFAR-100 read from a local root in torchvision's layout: ROOT/cifar-100-python/{train,test}.

The two files are the official Python pickles (a dict with b"data", N x 3072 uint8 rows in
CHW order, and b"fine_labels"). They are untrusted input, so they are read with an unpickler
that only rebuilds plain containers and numpy arrays (no code runs). Nothing is downloaded.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import torch

from benchmarks.data._source import DATA_CHECKS, DATA_SOURCES, LabeledImages
from benchmarks.data.torchvision_mnist import resolve_root
from core.errors import RunFailure

FOLDER = "cifar-100-python"
SPLITS = ("train", "test")
ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
}


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def _read_split(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    try:
        entry = _ArraysOnly(io.BytesIO(path.read_bytes()), encoding="bytes").load()
        data = np.asarray(entry[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        labels = np.asarray(entry[b"fine_labels"], dtype=np.int64)
    except (OSError, pickle.UnpicklingError, KeyError, TypeError, ValueError, EOFError) as exc:
        raise RunFailure(f"cannot read CIFAR-100 file {path}: {exc}; replace it with the official cifar-100-python archive's file") from None
    if data.shape[0] != labels.shape[0] or labels.min(initial=0) < 0 or labels.max(initial=0) >= 100:
        raise RunFailure(f"CIFAR-100 file {path} is inconsistent (images {data.shape[0]}, labels {labels.shape[0]}, or a label outside 0..99)")
    images = torch.from_numpy(data.copy()).float() / 255.0 * 2.0 - 1.0
    return images, torch.from_numpy(labels)


@DATA_CHECKS.register("cifar100")
def check_cifar100(data_root: str | None = None) -> list[str]:
    root = resolve_root(data_root)
    return [str(root / FOLDER / split) for split in SPLITS if not (root / FOLDER / split).is_file()]


@DATA_SOURCES.register("cifar100")
def load_cifar100(data_root: str | None = None) -> LabeledImages:
    """The official 50,000 / 10,000 split; 32x32 RGB mapped to [-1, 1]; the 100 fine labels."""
    missing = check_cifar100(data_root)
    if missing:
        raise RunFailure(f"CIFAR-100 is not under the data root: expected {', '.join(missing)} (torchvision layout: extract cifar-100-python.tar.gz there)")
    root = resolve_root(data_root) / FOLDER
    (train_x, train_y), (test_x, test_y) = (_read_split(root / split) for split in SPLITS)
    return LabeledImages(train_x=train_x, train_y=train_y, test_x=test_x, test_y=test_y, num_classes=100)
