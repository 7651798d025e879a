"""Reference-image features cached on disk by content: the same files through the same
extractor weights are embedded once, whatever their paths or the run that asks."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from harness.cache import cache_root
from metrics.features.images import content_hash, read_images


def features_root() -> Path:
    return cache_root() / "features"


def feature_key(extractor_digest: str, paths: Sequence[Path]) -> str:
    return hashlib.sha256(f"{extractor_digest}|{content_hash(paths)}".encode()).hexdigest()[:32]


def cached_features(name: str, extractor_digest: str, paths: Sequence[Path], embed: Callable[[list[torch.Tensor]], np.ndarray]) -> np.ndarray:
    """Features of the images at `paths` (rows in path order), computed by `embed` once per content."""
    from safetensors.torch import load_file, save_file

    path = features_root() / f"{name}-{feature_key(extractor_digest, paths)}.safetensors"
    if path.is_file():
        return load_file(str(path))["features"].double().numpy()
    features = np.asarray(embed(read_images(paths)), dtype=np.float64)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    save_file({"features": torch.from_numpy(features)}, str(temporary))
    os.replace(temporary, path)
    return features
