"""Judge accuracy of a split-mnist-5k run's just-learned tasks against DDIM sampling steps, from its checkpoints.

    PYTHONPATH=. python scripts/ddim_steps_probe.py CHECKPOINT_DIR [--steps 10,15,20,50,100] [--per-class 50]

CHECKPOINT_DIR is the run's folder under <results>/checkpoints/split-mnist-5k/; task NNN's checkpoint
is the model after task NNN+1, sampled on that task's classes (seed-0 noise, not the harness's).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from safetensors.torch import load_file

from harness.backbones import build_backbone
from harness.bench import load_bench
from harness.tracks.class_gen.tasks import load_tasks
from metrics.judge import JudgeConfig, judge_outputs, load_or_train_judge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", type=Path)
    parser.add_argument("--steps", default="10,15,20,50,100")
    parser.add_argument("--per-class", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(1)
    bench = load_bench("split-mnist-5k")
    data, tasks = load_tasks(bench, None)
    judge, _ = load_or_train_judge(data.train_x, data.train_y, data.num_classes, JudgeConfig(**bench.judge))
    for path in sorted(args.checkpoints.glob("task[0-9][0-9][0-9].safetensors")):
        task = tasks[int(path.stem[4:])]
        backbone = build_backbone(bench.backbone, data.image_shape, data.num_classes)
        backbone.load_state_dict({k[len("backbone."):]: v for k, v in load_file(path).items() if k.startswith("backbone.")})
        backbone.eval()
        labels = torch.tensor(task.classes).repeat_interleave(args.per_class)
        for steps in map(int, args.steps.split(",")):
            started = time.process_time()
            with torch.no_grad():
                samples = backbone.sample(labels, steps, torch.Generator().manual_seed(0)).cpu()
            accuracy = float((judge_outputs(judge, samples)[0].argmax(1) == labels).double().mean())
            print(f"after task {task.index + 1} ({task.name}): {steps} DDIM steps -> judge accuracy {accuracy:.3f} ({time.process_time() - started:.1f} CPU s)")


if __name__ == "__main__":
    main()
