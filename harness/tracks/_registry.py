"""The track registry (torch-free: naming a track imports nothing of it)."""

from __future__ import annotations

from typing import Any, Callable

from core.registry import Registry

TRACK_REGISTRY: Registry[Any] = Registry("track")  # name -> Track instance (harness/tracks/_base.py)


def register_track(name: str) -> Callable[[type], type]:
    def decorator(cls: type) -> type:
        cls.name = name
        TRACK_REGISTRY.add(name, cls())
        return cls

    return decorator
