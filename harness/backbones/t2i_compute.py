"""How a text-to-image backbone computes on its device: bf16 autocast and gradient checkpointing.

Both are bench backbone options (`mixed_precision: bf16`, `gradient_checkpointing: true`), for the
Stable Diffusion / SDXL UNets on a GPU. The code path is the same on every device: autocast is
enabled on CUDA only, so a CPU run computes in fp32; checkpointing recomputes the UNet blocks'
activations in the backward pass (diffusers' `enable_gradient_checkpointing`) and changes no value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from core.errors import UsageError

MIXED_PRECISION = ("no", "bf16")


@dataclass(frozen=True)
class ComputeOptions:
    mixed_precision: str = "no"
    gradient_checkpointing: bool = False

    def __post_init__(self) -> None:
        if self.mixed_precision not in MIXED_PRECISION:
            raise UsageError(f"backbone mixed_precision {self.mixed_precision!r} is not one of {', '.join(MIXED_PRECISION)}")
        if not isinstance(self.gradient_checkpointing, bool):
            raise UsageError(f"backbone gradient_checkpointing must be true or false, got {self.gradient_checkpointing!r}")

    def autocast(self, device: torch.device) -> torch.autocast:
        """bf16 autocast on CUDA when asked; a disabled context (fp32) anywhere else."""
        enabled = self.mixed_precision == "bf16" and device.type == "cuda"
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=enabled)


def pop_compute_options(config: dict[str, Any]) -> ComputeOptions:
    """Take the compute options out of a bench's backbone config (the rest names the model)."""
    return ComputeOptions(str(config.pop("mixed_precision", "no")), config.pop("gradient_checkpointing", False))
