"""Time C-LoRA's training step against sequential LoRA's at the same rank (issue: <= 1.05x).

Both methods first learn task 1 (so C-LoRA's penalty is live), then each learns task 2 for
--steps steps from that same state; the sides alternate, --repeats times each, and the
script prints min and median seconds per step and the ratio clora / lora-seq. The model is
the bench's tiny text-to-image backbone with random weights (no pretraining), or with
--sd-config a UNet built from a Stable Diffusion config file (GPU timing).

Usage: python scripts/clora_step_time.py [--bench digits-concepts] [--steps 40] [--repeats 3] [--rank 16] [--device cpu]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.backbones.tiny_t2i import TinyT2IConfig, build_tiny  # noqa: E402
from harness.bench import load_bench  # noqa: E402
from harness.method_context import Regularization  # noqa: E402
from harness.tracks import TRACK_REGISTRY, BuildOptions  # noqa: E402
from methods import METHODS, TrainContext  # noqa: E402


def make(name: str, bench, loaded, rank: int, steps: int, device: torch.device, folder: Path):
    config = dataclasses.replace(TinyT2IConfig(), pretrain_steps=0)
    backbone = build_tiny(config, tuple(loaded.tasks[0].train_images.shape[1:]), folder).to(device)
    regularization = Regularization(loaded.data.class_prompt, loaded.data.digits.train_x[:64])
    profile = dataclasses.replace(bench.profile("default"), steps_per_task=steps)
    cls = METHODS.get(name)
    return cls(backbone, cls.Hparams(rank=rank), TrainContext(profile, 0, device, len(loaded.tasks), loaded.num_classes, regularization=regularization))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default="digits-concepts")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    bench = load_bench(args.bench)
    loaded = TRACK_REGISTRY.get(bench.track).load(bench, BuildOptions())
    folder = Path("/tmp") / "clora-step-time-tokenizer"
    states = {}
    for name in ("lora-seq", "clora"):
        torch.manual_seed(0)
        method = make(name, bench, loaded, args.rank, 5, device, folder)
        method.learn(loaded.tasks[0])
        states[name] = method.state_dict()
    per_step: dict[str, list[float]] = {"lora-seq": [], "clora": []}
    for repeat in range(args.repeats):
        order = ("lora-seq", "clora") if repeat % 2 == 0 else ("clora", "lora-seq")
        for name in order:
            torch.manual_seed(0)
            method = make(name, bench, loaded, args.rank, args.steps, device, folder)
            method.load_state_dict(states[name])
            started = time.perf_counter()
            method.learn(loaded.tasks[1])
            if device.type == "cuda":
                torch.cuda.synchronize()
            per_step[name].append((time.perf_counter() - started) / args.steps)
    for name, values in per_step.items():
        print(f"{name}: min {min(values) * 1e3:.2f} ms/step, median {statistics.median(values) * 1e3:.2f} ms/step over {len(values)} runs of {args.steps} steps")
    print(f"clora / lora-seq step time: min {min(per_step['clora']) / min(per_step['lora-seq']):.3f}x, "
          f"median {statistics.median(per_step['clora']) / statistics.median(per_step['lora-seq']):.3f}x (rank {args.rank}, {device})")


if __name__ == "__main__":
    main()
