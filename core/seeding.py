"""Every random source of a run derives from (seed, purpose, indices) so resume is exact."""

from __future__ import annotations

import hashlib
import random
from contextlib import contextmanager
from typing import Iterator

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


@contextmanager
def seeded_phase(seed: int, *purpose: object, device: torch.device | None = None) -> Iterator[None]:
    """Run one phase of a run (build, learn task t, evaluate row t, ...) with the global RNGs of
    torch (CPU and `device` when it is CUDA), NumPy and Python seeded from (seed, purpose), and
    restored afterwards. Code inside that draws without a generator (an `nn.Module`'s init, a
    method's `torch.randn`) then depends on the run's seed alone, never on what the process did
    before (a cached judge loaded or trained, a CLI that imported more, a resumed run)."""
    devices = [device] if device is not None and device.type == "cuda" else []
    numpy_state, python_state = np.random.get_state(), random.getstate()
    with torch.random.fork_rng(devices=devices):
        phase_seed = derive_seed(seed, *purpose)
        torch.manual_seed(phase_seed)
        np.random.seed(phase_seed % 2**32)
        random.seed(phase_seed)
        try:
            yield
        finally:
            np.random.set_state(numpy_state)
            random.setstate(python_state)
