"""Reference-image features cached on disk by content: the same files through the same
extractor weights are embedded once, whatever their paths or the run that asks."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from core.cache import cache_root, cached_arrays
from metrics.features.images import content_hash, read_images


def features_root() -> Path:
    return cache_root() / "features"


def feature_key(extractor_digest: str, paths: Sequence[Path]) -> str:
    return hashlib.sha256(f"{extractor_digest}|{content_hash(paths)}".encode()).hexdigest()[:32]


def cached_features(name: str, extractor_digest: str, paths: Sequence[Path], embed: Callable[[list[torch.Tensor]], np.ndarray]) -> np.ndarray:
    """Features of the images at `paths` (rows in path order), computed by `embed` once per content."""
    path = features_root() / f"{name}-{feature_key(extractor_digest, paths)}.safetensors"
    compute = lambda: {"features": np.asarray(embed(read_images(paths)), dtype=np.float64)}  # noqa: E731
    return np.asarray(cached_arrays(path, compute)["features"], dtype=np.float64)
