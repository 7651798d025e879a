"""Time one VCL training step against one plain DDPM (finetune) step at the same batch.

Usage: python scripts/vcl_step_time.py [--bench split-digits] [--steps 10] [--repeats 3] [--samples 10,1]
Steps alternate between the plain model and each VCL variant (K weight samples, one batched pass),
so load on a shared machine hits every side alike; each repeat takes the median step of each side,
and the script prints the min and median over repeats of VCL/plain (the VCL study saw about 5x).
For each K > 1 it also times the plain model on a K-times repeated batch: the same arithmetic as K
weight draws without any Bayesian bookkeeping, the floor below which no faithful K-draw step can go.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.backbones import build_backbone  # noqa: E402
from harness.bench import load_bench  # noqa: E402
from harness.hparams import build_hparams  # noqa: E402
from methods import METHODS, TrainContext  # noqa: E402
from methods._optim import adam  # noqa: E402


class Stepper:
    """One method with its optimizer and a fixed batch; `step()` returns its wall seconds."""

    def __init__(self, method_name: str, overrides: dict[str, str], bench_name: str, device: torch.device, batch_copies: int = 1) -> None:
        bench = load_bench(bench_name)
        profile = bench.profile("default")
        size = 8 if bench.data["source"] == "sklearn-digits" else 28
        torch.manual_seed(0)
        backbone = build_backbone(bench.backbone, (1, size, size), 10).to(device)
        cls = METHODS.get(method_name)
        self.method = cls(backbone, build_hparams(method_name, cls.Hparams, overrides), TrainContext(profile, 0, device, bench.num_tasks, 10))
        if hasattr(self.method, "noise"):  # a task after the first: variational, KL to a prior
            self.method.noise.reseed(0, device)
            self.method.examples = 1000
        self.optimizer = adam(self.method.trainable_parameters(), lr=profile.lr)
        self.generator = torch.Generator().manual_seed(0)
        self.images = torch.randn(profile.batch_size, 1, size, size, generator=self.generator).clamp(-1, 1)
        self.labels = torch.randint(0, 10, (profile.batch_size,), generator=self.generator)
        self.images, self.labels = self.images.repeat(batch_copies, 1, 1, 1), self.labels.repeat(batch_copies)
        self.device = device
        self.method.backbone.train()

    def step(self) -> float:
        started = time.perf_counter()
        loss = self.method.training_loss(self.images, self.labels, self.generator)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default="split-digits")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", default="10,1", help="comma-separated K (training weight samples)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    sides = {"plain": Stepper("finetune", {}, args.bench, device)}
    for k in args.samples.split(","):
        sides[f"vcl K={k}"] = Stepper("vcl", {"train_weight_samples": k}, args.bench, device)
        if int(k) > 1:
            sides[f"plain, batch x{k} (floor)"] = Stepper("finetune", {}, args.bench, device, batch_copies=int(k))
    for stepper in sides.values():  # warm-up
        stepper.step()
    ratios: dict[str, list[float]] = {name: [] for name in sides if name != "plain"}
    plain_medians = []
    for _ in range(args.repeats):
        times: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(args.steps):
            for name, stepper in sides.items():
                times[name].append(stepper.step())
        plain = statistics.median(times["plain"])
        plain_medians.append(plain)
        for name in ratios:
            ratios[name].append(statistics.median(times[name]) / plain)
    batch = load_bench(args.bench).profile("default").batch_size
    print(f"bench {args.bench}, batch {batch}, device {device}, {args.repeats} repeats x {args.steps} alternating steps")
    print(f"plain DDPM step: min {min(plain_medians) * 1000:.1f} ms, median {statistics.median(plain_medians) * 1000:.1f} ms")
    for name, values in ratios.items():
        print(f"{name} / plain: min {min(values):.2f}x, median {statistics.median(values):.2f}x")


if __name__ == "__main__":
    main()
