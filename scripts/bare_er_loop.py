"""The compute floor of the default ER run: its 3,000 training steps in a bare loop.

Same model, data, batch sizes (the profile's batch plus an equal replay batch from the second
task on), optimizer, clipping and steps as `harness run --method er --bench split-digits`, with
no harness and no evaluation. Prints the training seconds per task and their sum, to compare
with a record's `timing.per_task[*].train_s` (issue 16: the default run's 120 s target).

    .venv/bin/python scripts/bare_er_loop.py [--threads 2]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.seeding import derive_seed, torch_generator  # noqa: E402
from harness.backbones import build_backbone  # noqa: E402
from harness.bench import load_bench  # noqa: E402
from harness.tracks.class_gen.tasks import load_tasks  # noqa: E402
from methods._diffusion import BatchStream, rehearsal_loss  # noqa: E402
from methods._optim import adam  # noqa: E402
from methods.er import ExperienceReplay  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    torch.set_num_threads(parser.parse_args().threads)
    hparams = ExperienceReplay.Hparams()
    bench = load_bench("split-digits")
    profile = bench.profile("default")
    data, tasks = load_tasks(bench, None)
    torch.manual_seed(derive_seed(0, "init"))
    model = build_backbone(bench.backbone, data.image_shape, data.num_classes)
    buffer_x, buffer_y = torch.empty((0, *data.image_shape)), torch.empty((0,), dtype=torch.long)
    seconds = []
    for task in tasks:
        started = time.perf_counter()
        generator = torch_generator(0, "train", task.index)
        replay = BatchStream(buffer_x, buffer_y, profile.batch_size, generator) if buffer_x.shape[0] else None
        parameters = list(model.parameters())
        optimizer = adam(parameters, lr=profile.lr)
        batches = BatchStream(task.train_x, task.train_y, profile.batch_size, generator)
        model.train()
        for _ in range(profile.steps_per_task):
            loss = rehearsal_loss(model, *batches.next(), replay, hparams.rehearsal_coef, generator)
            math.isfinite(loss.item())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
        keep = torch.randperm(task.train_x.shape[0], generator=generator)[: hparams.buffer_per_task]
        buffer_x, buffer_y = torch.cat([buffer_x, task.train_x[keep]]), torch.cat([buffer_y, task.train_y[keep]])
        seconds.append(time.perf_counter() - started)
    print(f"bare ER training, {torch.get_num_threads()} threads: " + " / ".join(f"{s:.1f}" for s in seconds) + f" s per task, {sum(seconds):.1f} s in all")


if __name__ == "__main__":
    main()
