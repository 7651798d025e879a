"""FunLoRA's costs on a bench's flow backbone: extra parameters per class (fraction of the
backbone) and sampling time per image against the base model (no adapters).

The adapted layers are read from a funlora run record (its method notes); timings alternate
base / FunLoRA (task-1 class, all layers adapted) / FunLoRA (later class, chosen layers),
`--repeats` times each, and report min and median seconds per image.

    OMP_NUM_THREADS=1 python scripts/funlora_costs.py --record results/runs/split-digits-flow/funlora-...json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from core.seeding import torch_generator
from harness.backbones import build_backbone
from harness.bench import load_bench
from methods import METHODS, TrainContext


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default="split-digits-flow")
    parser.add_argument("--record", required=True, help="a funlora run record (for the adapted layers and hparams)")
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    record = json.loads(open(args.record).read())
    bench = load_bench(args.bench)
    profile = bench.profile("default")
    shape = (1, 8, 8) if args.bench.startswith("split-digits") else (3, 32, 32)
    num_classes = 1 + max(c for group in bench.tasks for c in group)
    torch.manual_seed(0)
    base = build_backbone(bench.backbone, shape, num_classes).eval()
    cls = METHODS.get("funlora")
    hparams = cls.Hparams(**record["method"]["hparams"])
    method = cls(build_backbone(bench.backbone, shape, num_classes), hparams, TrainContext(profile, 0, torch.device("cpu"), len(bench.tasks), num_classes))
    chosen = set(record["method"]["notes"]["adapted_layers"])
    method.adapted = torch.tensor([name in chosen for name in method.adapters])
    first, later = bench.tasks[0][0], bench.tasks[-1][0]
    for name, adapter in method.adapters.items():
        adapter.active[first] = True
        adapter.active[later] = name in chosen
        with torch.no_grad():
            adapter.alpha.normal_()
    models = {"base": (base, first), "funlora task-1 class": (method.backbone.eval(), first), "funlora later class": (method.backbone.eval(), later)}
    times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(args.repeats):
        for name, (model, label) in models.items():
            labels = torch.full((args.images,), label)
            started = time.perf_counter()
            model.sample(labels, profile.sampling_steps, torch_generator(0, "cost"))
            times[name].append((time.perf_counter() - started) / args.images)
    notes = method.record_notes()
    print(f"backbone parameters: {notes['backbone_parameters']}")
    for key in ("task1", "later"):
        extra = notes[f"extra_parameters_per_class_{key}"]
        print(f"extra parameters per {key} class: {extra} ({extra / notes['backbone_parameters']:.4%} of the backbone)")
    print(f"sampling, {args.images} images x {profile.sampling_steps} steps, {args.threads} thread(s), s/image min / median over {args.repeats}:")
    for name, values in times.items():
        ratio = statistics.median(values) / statistics.median(times["base"])
        print(f"  {name:24s} {min(values) * 1e3:8.3f} ms  {statistics.median(values) * 1e3:8.3f} ms  (x{ratio:.2f} base median)")


if __name__ == "__main__":
    main()
