"""Evaluation cost of a long task sequence under the full and sparse schedules, and what a sparse
schedule does to a committed record's aggregates (its dropped rows removed from its matrices).

  .venv/bin/python scripts/eval_schedule_cost.py --tasks 50 --images-per-task 200 --seconds-per-image 0.05 \
      --record results/runs/split-digits/er-c979d52cdc-default-seed0.json --every 2
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness.eval_schedule import EvalSchedule
from metrics.continual import NEEDS, summarize


def cost_lines(tasks: int, images_per_task: int, seconds_per_image: float, schedules: list[EvalSchedule]) -> list[str]:
    lines = [f"{tasks}-task sequence, {images_per_task} generated images per task evaluation, {seconds_per_image * 1000:.1f} ms/image"]
    for schedule in schedules:
        evaluations = schedule.evaluations(tasks)
        images = evaluations * images_per_task
        lines.append(f"  {schedule.name:>9}: {evaluations:5d} evaluations, {images:7d} images, ~{images * seconds_per_image / 3600:.2f} h of evaluation")
    return lines


def sparse_matrix(matrix: list[list[float | None]], schedule: EvalSchedule) -> list[list[float | None]]:
    size = len(matrix)
    return [[value if i in schedule.tasks_scored(t, size) else None for i, value in enumerate(row)] for t, row in enumerate(matrix)]


def record_lines(path: Path, schedule: EvalSchedule) -> list[str]:
    record = json.loads(path.read_text())
    lines = [f"{path.name}: aggregates on the full matrix vs on {schedule.name} (full rows {schedule.full_rows(len(record['bench']['tasks']))}, 0-based)"]
    for metric, entry in record["metrics"].items():
        full = summarize(entry["matrix"], entry["higher_is_better"])
        sparse = summarize(sparse_matrix(entry["matrix"], schedule), entry["higher_is_better"])
        for name, value in full.items():
            other = sparse[name]
            shown = "None (needs every row)" if other is None else f"{other:.4f}"
            same = "" if other is None else ("  exact" if abs(other - value) < 1e-12 else f"  differs by {other - value:+.4f}")
            lines.append(f"  {metric:24s} {name:32s} [{NEEDS[name]:>13s}] full {value:.4f}  sparse {shown}{same}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--images-per-task", type=int, default=200)
    parser.add_argument("--seconds-per-image", type=float, default=0.05, help="from `harness run --dry-run` on the bench")
    parser.add_argument("--every", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--record", type=Path, help="a committed record to recompute under --every's first value")
    args = parser.parse_args()
    schedules = [EvalSchedule(), *(EvalSchedule(k) for k in args.every)]
    print("\n".join(cost_lines(args.tasks, args.images_per_task, args.seconds_per_image, schedules)))
    if args.record:
        print("\n".join(record_lines(args.record, EvalSchedule(args.every[0]))))


if __name__ == "__main__":
    main()
