"""What the harness hands every method: its training context (budget, seed, device) and a track's
regularization data. Methods import it (methods/_base.py); the harness never imports a method's
module, it finds methods through their registry (harness/catalog.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

    from harness.bench import Profile


@dataclass(frozen=True)
class Regularization:
    """Prior-preservation data a track hands every method (t2i: the bench's class prompt and
    base-model samples of it, or None when the bench asks for none)."""

    prompt: str
    images: torch.Tensor | None = None


@dataclass(frozen=True)
class TrainContext:
    """What every method on a bench gets: the same budget, seed, device and regularization data."""

    profile: Profile
    seed: int
    device: torch.device
    num_tasks: int
    num_classes: int
    progress: bool = False
    regularization: Regularization | None = None
