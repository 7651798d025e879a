"""8-bit MNIST-style pixels to the [-1, 1] tensors every class-gen source returns.

`pool` mean-pools each pool x pool block and rounds back to 256 grey levels, so a downsampled
bench keeps 8-bit images (bits per dimension's discretized decoder needs them).
"""

from __future__ import annotations

import torch

from core.errors import UsageError

POOLS = (1, 2, 4)


def check_pool(pool: object, source: str) -> int:
    if type(pool) is not int or pool not in POOLS:
        raise UsageError(f"{source} data source: pool {pool!r} must be 1 (28x28), 2 (14x14) or 4 (7x7)")
    return pool


def to_unit_range(images: torch.Tensor, pool: int = 1) -> torch.Tensor:
    """uint8 images (N, H, W) -> float32 (N, 1, H/pool, W/pool) in [-1, 1] on the 8-bit grid."""
    levels = images.to(torch.float32).unsqueeze(1)
    if pool > 1:
        levels = torch.nn.functional.avg_pool2d(levels, pool).round()
    return (levels / 127.5 - 1.0).contiguous()
