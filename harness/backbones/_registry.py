from __future__ import annotations

from typing import Any, Callable

import torch

from core.errors import UsageError
from core.registry import Registry

BACKBONES: Registry[Callable[..., torch.nn.Module]] = Registry("backbone")


def build_backbone(config: dict[str, Any], image_shape: tuple[int, ...], num_classes: int) -> torch.nn.Module:
    options = dict(config)
    name = options.pop("name", None)
    if name is None:
        raise UsageError("bench spec backbone block lacks 'name': choose one of " + ", ".join(BACKBONES.names()))
    factory = BACKBONES.get(name)
    try:
        return factory(image_shape=image_shape, num_classes=num_classes, **options)
    except TypeError as exc:
        raise UsageError(f"backbone {name!r} rejected its options {options}: {exc}") from None
