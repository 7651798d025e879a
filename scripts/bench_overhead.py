"""Harness overhead over a bare PyTorch loop doing the same training steps.

Runs `finetune` on split-digits through the real runner (`harness.runner.execute`) and a
bare loop with the same model, data, batch order, optimizer and steps; prints both wall
times and their ratio. The harness's time counts everything but evaluation (which the bare
loop does not do): data loading, model build, training, checkpoints and record writes.

    .venv/bin/python scripts/bench_overhead.py [--steps 300] [--repeats 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.seeding import derive_seed, torch_generator  # noqa: E402
from harness.backbones import build_backbone  # noqa: E402
from harness.bench import load_bench  # noqa: E402
from harness.record import read_record  # noqa: E402
from harness.runner import RunSpec, execute  # noqa: E402
from harness.tracks.class_gen.tasks import load_tasks  # noqa: E402
from methods._diffusion import BatchStream  # noqa: E402
from methods._optim import adam  # noqa: E402


def bench_file(directory: Path, steps: int) -> Path:
    raw = yaml.safe_load(Path(load_bench("split-digits").path).read_text())
    raw["profiles"]["default"].update(steps_per_task=steps, eval_samples_per_class=2, sampling_steps=1)
    path = directory / "split-digits.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def harness_seconds(bench: Path, results: Path) -> float:
    started = time.perf_counter()
    record = read_record(execute(RunSpec(method="finetune", bench=str(bench), results_dir=results, force=True)))
    total = time.perf_counter() - started
    evaluation = sum(task["eval_s"] for task in record["timing"]["per_task"]) + record["timing"]["setup_s"]
    return total - evaluation


def bare_seconds(bench_path: Path) -> float:
    started = time.perf_counter()
    bench = load_bench(str(bench_path))
    profile = bench.profile("default")
    data, tasks = load_tasks(bench, None)
    torch.manual_seed(derive_seed(0, "init"))
    model = build_backbone(bench.backbone, data.image_shape, data.num_classes)
    for task in tasks:
        generator = torch_generator(0, "train", task.index)
        optimizer = adam(model.parameters(), lr=profile.lr)
        batches = BatchStream(task.train_x, task.train_y, profile.batch_size, generator)
        model.train()
        for _ in range(profile.steps_per_task):
            images, labels = batches.next()
            loss = model.loss(images, labels, generator).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
    return time.perf_counter() - started


def spread_line(name: str, times: list[float]) -> str:
    return (f"{name}: min {min(times):8.2f} s  median {statistics.median(times):8.2f} s  max {max(times):8.2f} s"
            f"  (runs: {', '.join(f'{t:.2f}' for t in times)})")


def ratio_line(harness_times: list[float], bare_times: list[float]) -> str:
    """The harness/bare ratio, or why it is refused: spreads that overlap more than the medians differ."""
    overlap = min(max(harness_times), max(bare_times)) - max(min(harness_times), min(bare_times))
    difference = abs(statistics.median(harness_times) - statistics.median(bare_times))
    if len(harness_times) < 2 or overlap > difference:
        return (f"no ratio: the spreads overlap by {max(overlap, 0):.2f} s, more than the {difference:.2f} s between the medians "
                "(or fewer than 2 repeats): the difference is inside the noise; repeat with more --repeats on a quieter machine")
    return (f"overhead ratio harness/bare = {min(harness_times) / min(bare_times):.3f} (min/min), "
            f"{statistics.median(harness_times) / statistics.median(bare_times):.3f} (median/median)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="training steps per task")
    parser.add_argument("--repeats", type=int, default=5, help="alternating repeats of each side")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        bench = bench_file(Path(scratch), args.steps)
        harness_times, bare_times = [], []
        for repeat in range(args.repeats):
            sides = [("bare", bare_times), ("harness", harness_times)]
            for side, times in sides if repeat % 2 == 0 else sides[::-1]:
                times.append(bare_seconds(bench) if side == "bare" else harness_seconds(bench, Path(scratch) / "results"))
    print(f"threads={torch.get_num_threads()} steps/task={args.steps} tasks=5 repeats={args.repeats} (alternating)")
    print(spread_line("bare loop  ", bare_times))
    print(spread_line("harness run", harness_times) + "; evaluation excluded")
    print(ratio_line(harness_times, bare_times))


if __name__ == "__main__":
    main()
