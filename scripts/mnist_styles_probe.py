"""A cheap probe of the mnist-styles design: style accuracy matrix of one LoRA method, few samples.

Trains `--method` on the first `--tasks` concepts of the bench (order seed `--order-seed`) with
the given steps / lr / rank / LoRA targets, and after each task prints the style judge's
accuracy on every seen concept from `--per-prompt` samples per digit prompt (10 prompts), so
designs can be compared in minutes on 1 CPU thread before full runs. Not a benchmark result.

    PYTHONPATH=. python scripts/mnist_styles_probe.py --method lora-seq --tasks 3 --steps 200
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

import torch

from harness.bench import load_bench
from harness.tracks import TRACK_REGISTRY, BuildOptions
from methods import METHODS, TrainContext
from metrics.judge import JudgeConfig, judge_outputs, load_or_train_judge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default="mnist-styles")
    parser.add_argument("--method", default="lora-seq")
    parser.add_argument("--tasks", type=int, default=3)
    parser.add_argument("--order-seed", type=int, default=0, help="-1: no order seed (the pool order)")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--per-prompt", type=int, default=2)
    parser.add_argument("--guidance", type=float, default=None)
    parser.add_argument("--set", action="append", default=[], help="method hparam key=value")
    args = parser.parse_args()
    bench = load_bench(args.bench)
    track = TRACK_REGISTRY.get(bench.track)
    loaded = track.load(bench, BuildOptions(order_seed=None if args.order_seed < 0 else args.order_seed))
    backbone = track.build_backbone(bench, loaded, BuildOptions())
    base = bench.profile("default")
    profile = dataclasses.replace(base, steps_per_task=args.steps, lr=args.lr or base.lr)
    cls = METHODS.get(args.method)
    types = {f.name: f.type for f in dataclasses.fields(cls.Hparams)}
    hparams = {}
    for item in args.set:
        key, value = item.split("=", 1)
        hparams[key] = int(value) if "int" in str(types[key]) else float(value) if "float" in str(types[key]) else value
    method = cls(backbone, cls.Hparams(**hparams), TrainContext(profile, 0, torch.device("cpu"), args.tasks, args.tasks))
    style_x, style_y = loaded.data.style_judge_data
    judge, _ = load_or_train_judge(style_x, style_y, int(style_y.max()) + 1, JudgeConfig(**bench.judge))
    guidance = args.guidance if args.guidance is not None else float(bench.data.get("guidance_scale", 1.0))
    tasks = loaded.tasks[: args.tasks]
    matrix = []
    started = time.time()
    for t, task in enumerate(tasks):
        method.learn(task)
        row = []
        for seen in tasks[: t + 1]:
            prompts = [p for p in seen.eval_prompts for _ in range(args.per_prompt)]
            noise = torch.randn(len(prompts), *backbone.latent_shape, generator=torch.Generator().manual_seed(seen.index))
            samples = backbone.sample(prompts, noise, base.sampling_steps, guidance)
            row.append(round(float((judge_outputs(judge, samples)[0].argmax(1) == seen.eval_targets[0]).double().mean()), 2))
        matrix.append(row)
        print(json.dumps({"after": t, "row": row, "elapsed_s": round(time.time() - started)}), flush=True)
    last = matrix[-1]
    forgetting = sum(matrix[i][i] - last[i] for i in range(len(tasks) - 1)) / max(len(tasks) - 1, 1)
    print(json.dumps({"method": args.method, "styles": [t.label for t in tasks], "steps": args.steps, "lr": profile.lr, "set": args.set,
                      "diagonal": [matrix[i][i] for i in range(len(tasks))], "last_row": last, "first_minus_final": round(forgetting, 3)}))


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
