"""A PNG grid of generated samples after the last task: one row per class, stored beside the
record (the leaderboard page shows it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

PER_CLASS = 8
MIN_CELL = 32


def save_sample_grid(path: Path, samples: torch.Tensor, labels: torch.Tensor) -> None:
    """`samples` in [-1, 1], (N, C, H, W); up to PER_CLASS per class, rows sorted by class."""
    rows = []
    for label in sorted(set(labels.tolist())):
        chosen = samples[labels == label][:PER_CLASS]
        padded = torch.cat([chosen, -torch.ones((PER_CLASS - chosen.shape[0], *chosen.shape[1:]))])
        rows.append(torch.cat(list(padded), dim=-1))
    grid = torch.cat(rows, dim=-2)
    pixels = ((grid.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(1, 2, 0).numpy()
    scale = max(1, MIN_CELL // samples.shape[-1])
    pixels = np.kron(pixels, np.ones((scale, scale, 1), dtype=np.uint8))
    image = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    image.save(temporary, format="PNG")
    temporary.replace(path)
