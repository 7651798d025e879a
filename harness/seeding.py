"""Every random source of a run derives from (seed, purpose, indices) so resume is exact."""

from __future__ import annotations

import hashlib

import numpy as np
import torch


def derive_seed(seed: int, *purpose: object) -> int:
    """A stable 63-bit seed for one purpose, independent of call order."""
    text = "/".join([str(seed), *map(str, purpose)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1


def torch_generator(seed: int, *purpose: object) -> torch.Generator:
    return torch.Generator().manual_seed(derive_seed(seed, *purpose))


def numpy_rng(seed: int, *purpose: object) -> np.random.Generator:
    return np.random.default_rng(derive_seed(seed, *purpose))
