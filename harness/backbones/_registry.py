from __future__ import annotations

from typing import Any, Callable

import torch

from core.errors import UsageError
from core.registry import Registry
from core.typed_options import call_with_options

BACKBONES: Registry[Callable[..., torch.nn.Module]] = Registry("backbone")


def build_backbone(config: dict[str, Any], image_shape: tuple[int, ...], num_classes: int) -> torch.nn.Module:
    options = dict(config)
    name = options.pop("name", None)
    if name is None:
        raise UsageError("bench spec backbone block lacks 'name': choose one of " + ", ".join(BACKBONES.names()))
    factory = BACKBONES.get(name)
    return call_with_options(factory, f"backbone {name}", image_shape, num_classes, **options)
