"""Images as the feature extractors take them: uint8 (3, H, W) tensors, from files or samples."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from core.errors import RunFailure


def samples_to_uint8(samples: torch.Tensor) -> list[torch.Tensor]:
    """Generated images in [-1, 1] (N, C, H, W) quantized as a saved PNG would be; grey -> RGB."""
    pixels = ((samples.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    if pixels.shape[1] == 1:
        pixels = pixels.repeat(1, 3, 1, 1)
    return list(pixels)


def read_image(path: Path) -> torch.Tensor:
    try:
        with Image.open(path) as image:
            array = np.asarray(image.convert("RGB"))
    except (OSError, UnidentifiedImageError) as exc:
        raise RunFailure(f"cannot read image {path}: {exc}; replace it or run `harness data check` on the bench") from None
    return torch.from_numpy(array.copy()).permute(2, 0, 1)


def read_images(paths: Sequence[Path]) -> list[torch.Tensor]:
    return [read_image(Path(path)) for path in paths]


def content_hash(paths: Sequence[Path]) -> str:
    """sha256 over the files' bytes, in the given order (names do not matter, content does)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()
