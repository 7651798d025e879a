"""Per-step training time of class-cls methods relative to `ft` on a ViT-B/16-shaped model
(random weights, CPU): one optimiser step = prompt query pass (prompt methods), forward,
loss, backward and Adam update, as each method trains. Methods alternate within every
repeat; each repeat times `--steps` steps after one warm-up step; min and median over
repeats are reported, and their ratio to ft.

    python scripts/class_cls_step_time.py --batch 8 --steps 3 --repeats 3 --threads 2
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from harness.backbones.vit import ViTArch, build_vit
from harness.bench import Profile
from methods import METHODS, TrainContext
from methods._optim import adam

VIT_B16 = ViTArch(patch_size=16, embed_dim=768, depth=12, num_heads=12)


def build(name: str, num_tasks: int, classes: int) -> tuple[object, torch.optim.Optimizer]:
    torch.manual_seed(0)
    backbone = build_vit((3, 224, 224), classes, arch=VIT_B16)
    profile = Profile(steps_per_task=0, batch_size=0, lr=1e-3, eval_samples_per_class=0, sampling_steps=0, epochs=1)
    cls = METHODS.get(name)
    method = cls(backbone, cls.Hparams(), TrainContext(profile, 0, torch.device("cpu"), num_tasks, classes))
    method.before_task(_Task())
    optimizer = adam(method.trainable_parameters(), lr=1e-3)
    return method, optimizer


class _Task:  # what before_task reads: the second task of a 10-task sequence (past classes exist)
    index, label_start, label_stop = 1, 20, 40


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", default="ft,coda-p,clora-vit")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    names = args.methods.split(",")
    built = {name: build(name, 10, 200) for name in names}
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(args.batch, 3, 224, 224, generator=generator)
    labels = torch.randint(20, 40, (args.batch,), generator=generator)
    times: dict[str, list[float]] = {name: [] for name in names}
    for name in names:  # warm-up
        method, optimizer = built[name]
        method.train_step(optimizer, images, labels, 20, 40)
    for repeat in range(args.repeats):
        order = names if repeat % 2 == 0 else names[::-1]  # alternate sides
        for name in order:
            method, optimizer = built[name]
            started = time.perf_counter()
            for _ in range(args.steps):
                method.train_step(optimizer, images, labels, 20, 40)
            times[name].append((time.perf_counter() - started) / args.steps)
    base_min, base_median = min(times["ft"]), statistics.median(times["ft"])
    print(f"ViT-B/16 random weights, CPU, {args.threads} threads, batch {args.batch}, {args.steps} steps x {args.repeats} repeats")
    print(f"{'method':<10} {'min s/step':>10} {'median':>8} {'ratio min':>9} {'ratio med':>9}")
    for name in names:
        low, mid = min(times[name]), statistics.median(times[name])
        print(f"{name:<10} {low:>10.3f} {mid:>8.3f} {low / base_min:>9.2f} {mid / base_median:>9.2f}")


if __name__ == "__main__":
    main()
