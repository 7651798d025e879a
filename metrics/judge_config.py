"""The judge's settings (a bench's `judge` block), typed and bounded; torch-free so a bench loads without torch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

Positive = Annotated[int, Field(strict=True, ge=1, le=1_000_000)]


@dataclass(frozen=True)
class JudgeConfig:
    width: Positive = 32
    feature_dim: Positive = 64
    steps: Positive = 600
    batch_size: Positive = 128
    lr: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 2e-3
    seed: Annotated[int, Field(strict=True, ge=0)] = 0
