"""The judge classifier's accuracy on a class-gen bench's held-out real test images (trained once, cached).

    PYTHONPATH=. python scripts/judge_accuracy.py split-mnist-5k split-mnist-5k-10
"""

from __future__ import annotations

import sys
import time

from harness.bench import load_bench
from harness.tracks.class_gen.tasks import load_tasks
from metrics.judge import JudgeConfig, judge_outputs, load_or_train_judge


def main(names: list[str]) -> None:
    for name in names:
        bench = load_bench(name)
        data, _ = load_tasks(bench, None)
        started = time.perf_counter()
        judge, key = load_or_train_judge(data.train_x, data.train_y, data.num_classes, JudgeConfig(**bench.judge))
        logits, _ = judge_outputs(judge, data.test_x)
        accuracy = float((logits.argmax(1) == data.test_y).double().mean())
        print(f"{name}: judge {key} accuracy {accuracy:.4f} on {data.test_x.shape[0]} held-out real test images ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
