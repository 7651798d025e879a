"""Time one training step of VCL against one plain DDPM (finetune) step at the same batch.

Usage: python scripts/vcl_step_time.py [--bench split-digits] [--steps 20] [--set key=value ...]
Prints the mean seconds per step of each and their ratio (the VCL study saw about 5x).
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
from harness.hparams import build_hparams, parse_assignments  # noqa: E402
from methods import METHODS, TrainContext  # noqa: E402


def seconds_per_step(method_name: str, overrides: dict[str, str], bench_name: str, steps: int, device: torch.device) -> float:
    bench = load_bench(bench_name)
    profile = bench.profile("default")
    channels = 1
    size = 8 if bench.data["source"] == "sklearn-digits" else 28
    torch.manual_seed(0)
    backbone = build_backbone(bench.backbone, (channels, size, size), 10).to(device)
    cls = METHODS.get(method_name)
    method = cls(backbone, build_hparams(method_name, cls.Hparams, overrides), TrainContext(profile, 0, device, bench.num_tasks, 10))
    if hasattr(method, "noise"):
        method.noise.reseed(0, device)
        method.examples = 1000
    optimizer = torch.optim.Adam(method.trainable_parameters(), lr=profile.lr)
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(profile.batch_size, channels, size, size).clamp(-1, 1)
    labels = torch.randint(0, 10, (profile.batch_size,), generator=generator)
    method.backbone.train()
    timings = []
    for step in range(steps + 3):
        started = time.perf_counter()
        loss = method.training_loss(images, labels, generator)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if step >= 3:  # warm-up steps excluded
            timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default="split-digits")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="a vcl hparam")
    args = parser.parse_args()
    device = torch.device(args.device)
    plain = seconds_per_step("finetune", {}, args.bench, args.steps, device)
    vcl = seconds_per_step("vcl", parse_assignments(args.overrides), args.bench, args.steps, device)
    batch = load_bench(args.bench).profile("default").batch_size
    print(f"bench {args.bench}, batch {batch}, device {device}: plain DDPM step {plain * 1000:.1f} ms, VCL step {vcl * 1000:.1f} ms, ratio {vcl / plain:.2f}x")


if __name__ == "__main__":
    main()
