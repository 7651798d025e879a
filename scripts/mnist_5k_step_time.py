"""CPU seconds per training step of split-mnist-5k's UNet at 28x28 and 14x14 (one thread): why `pool: 2`.

    PYTHONPATH=. python scripts/mnist_5k_step_time.py
"""

from __future__ import annotations

import time

import torch

from harness.backbones import build_backbone
from harness.bench import load_bench


def step_seconds(side: int, batch: int = 64, steps: int = 8, warmup: int = 3) -> float:
    bench = load_bench("split-mnist-5k")
    backbone = build_backbone(bench.backbone, (1, side, side), 10)
    optimizer = torch.optim.Adam(backbone.parameters(), lr=2e-3)
    generator = torch.Generator().manual_seed(0)
    images, labels = torch.rand(batch, 1, side, side) * 2 - 1, torch.randint(0, 10, (batch,))
    for step in range(warmup + steps):
        if step == warmup:
            started = time.process_time()
        loss = backbone.loss(images, labels, generator).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return (time.process_time() - started) / steps


if __name__ == "__main__":
    torch.set_num_threads(1)
    for side in (28, 14):
        print(f"{side}x{side}: {step_seconds(side):.3f} CPU s per batch-64 step (UNet {load_bench('split-mnist-5k').backbone['block_out_channels']}, 1 thread)")
