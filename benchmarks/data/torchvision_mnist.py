"""MNIST and Fashion-MNIST through torchvision, read from a local root in torchvision's layout.

Nothing is downloaded at run time: `harness data fetch BENCH` is the only path that downloads.
The root comes from `--data-root` or `HARNESS_DATA`; the images live under
ROOT/MNIST/raw/ or ROOT/FashionMNIST/raw/ as the four uncompressed IDX files.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torchvision.datasets import MNIST, FashionMNIST

from benchmarks.data._pixels import check_pool, to_unit_range
from benchmarks.data._source import DATA_CHECKS, DATA_SOURCES, LabeledImages
from core.errors import RunFailure, UsageError
from core.typed_options import Pool

DATASETS: dict[str, type[MNIST]] = {"MNIST": MNIST, "FashionMNIST": FashionMNIST}
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def dataset_class(dataset: str) -> type[MNIST]:
    if dataset not in DATASETS:
        raise UsageError(f"torchvision-mnist data source: dataset {dataset!r} is not one of {', '.join(DATASETS)}")
    return DATASETS[dataset]


def resolve_root(data_root: str | None) -> Path:
    root = data_root or os.environ.get("HARNESS_DATA")
    if not root:
        raise RunFailure("this bench reads MNIST-style data from a local root: pass --data-root DIR or set HARNESS_DATA (then `harness data fetch BENCH --data-root DIR` downloads it once)")
    return Path(root)


def expected_files(root: Path, dataset: str) -> list[Path]:
    return [root / dataset / "raw" / name for name in IDX_FILES]


def fetch(dataset: str, data_root: str | None) -> Path:
    """Download (only if absent) the dataset's IDX files into the root; returns the raw folder."""
    root = resolve_root(data_root)
    try:
        for train in (True, False):
            dataset_class(dataset)(str(root), train=train, download=True)
    except (RuntimeError, OSError) as exc:
        raise RunFailure(f"could not download {dataset} into {root}: {exc}; copy the four IDX files into {root / dataset / 'raw'} by hand") from None
    return root / dataset / "raw"


@DATA_CHECKS.register("torchvision-mnist")
def check_torchvision_mnist(data_root: str | None = None, dataset: str = "MNIST", pool: Pool = 1) -> list[str]:
    dataset_class(dataset)
    check_pool(pool, "torchvision-mnist")
    return [str(path) for path in expected_files(resolve_root(data_root), dataset) if not path.is_file()]


@DATA_SOURCES.register("torchvision-mnist")
def load_torchvision_mnist(data_root: str | None = None, dataset: str = "MNIST", pool: Pool = 1) -> LabeledImages:
    """The official train / test split; 8-bit pixels mapped to [-1, 1], shape (N, 1, 28/pool, 28/pool)
    (`pool` as in the mnist-5k source, so a bench switches between the two by its `source` alone)."""
    cls = dataset_class(dataset)
    check_pool(pool, "torchvision-mnist")
    root = resolve_root(data_root)
    missing = [path for path in expected_files(root, dataset) if not path.is_file()]
    if missing:
        raise RunFailure(
            f"{dataset} is not under data root {root}: expected {', '.join(str(p) for p in missing)} "
            f"(torchvision layout, uncompressed IDX); run `harness data fetch BENCH --data-root {root}` or copy them there"
        )
    try:
        train, test = cls(str(root), train=True, download=False), cls(str(root), train=False, download=False)
    except (RuntimeError, ValueError, OSError) as exc:
        raise RunFailure(f"cannot read {dataset} IDX files under {root / dataset / 'raw'}: {exc}; delete them and fetch again") from None
    return LabeledImages(
        train_x=to_unit_range(train.data, pool),
        train_y=train.targets.long(),
        test_x=to_unit_range(test.data, pool),
        test_y=test.targets.long(),
        num_classes=10,
    )
