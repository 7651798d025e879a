"""The harness's on-disk cache (HARNESS_CACHE, default ~/.cache/harness): things derived
deterministically from their key, so a missing or unreadable entry is simply computed again."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np


def cache_root() -> Path:
    return Path(os.environ.get("HARNESS_CACHE", Path.home() / ".cache" / "harness"))


def write_atomically(path: Path, data: bytes) -> None:
    """`data` at `path`, whole or not at all: a reader sees the old entry, the new one or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def cached_arrays(path: Path, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The arrays stored at `path` (safetensors), else `compute()`'s, written there atomically."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file, save

    if path.is_file():
        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError):
            pass  # unreadable: recomputed and replaced below
    arrays = {name: np.ascontiguousarray(value) for name, value in compute().items()}
    write_atomically(path, save(arrays))
    return arrays
