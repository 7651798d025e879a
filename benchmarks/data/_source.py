"""The data-source registry and the container every source returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch

from core.errors import UsageError
from core.registry import Registry
from core.typed_options import call_with_options


@dataclass(frozen=True)
class LabeledImages:
    """Images in [-1, 1], shape (N, C, H, W), float32; integer class labels."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    num_classes: int

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.train_x.shape[1:])  # type: ignore[return-value]


DataLoaderFn = Callable[..., LabeledImages]
DATA_SOURCES: Registry[DataLoaderFn] = Registry("data source")


def load_data_source(data: dict[str, Any], data_root: str | None) -> LabeledImages:
    options = dict(data)
    source = options.pop("source", None)
    if source is None:
        raise UsageError("bench spec data block lacks 'source': name one of " + ", ".join(DATA_SOURCES.names()))
    loader = DATA_SOURCES.get(source)
    return call_with_options(loader, f"data source {source}: data", data_root=data_root, **options)


DataCheckFn = Callable[..., list[str]]
DATA_CHECKS: Registry[DataCheckFn] = Registry("data check")


def check_data_source(data: dict[str, Any], data_root: str | None) -> list[str]:
    """What a bench's data source still lacks under the data root (empty: ready to run)."""
    options = dict(data)
    source = options.pop("source", None)
    if source is None or source not in DATA_CHECKS:
        return []
    return call_with_options(DATA_CHECKS.get(source), f"data source {source}: data", data_root=data_root, **options)
