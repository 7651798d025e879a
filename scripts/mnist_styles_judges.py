"""Held-out accuracy of the mnist-styles judges (issue 28 asks >= 0.95 on real held-out images).

Prints, as JSON, the style judge's accuracy on the test digits plain and under every pool style
(the images a concept's samples are compared with), per class and overall, and the digit judge's
accuracy on the plain test digits. Uses the cached judges a run uses (trained here if absent).

    PYTHONPATH=. python scripts/mnist_styles_judges.py [--bench mnist-styles]
"""

from __future__ import annotations

import argparse
import json

import torch

from benchmarks.data.mnist_styles import apply_style
from harness.bench import load_bench
from harness.tracks import TRACK_REGISTRY, BuildOptions
from metrics.judge import JudgeConfig, judge_outputs, load_or_train_judge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default="mnist-styles")
    args = parser.parse_args()
    bench = load_bench(args.bench)
    data = TRACK_REGISTRY.get(bench.track).load(bench, BuildOptions()).data
    config, digits = JudgeConfig(**bench.judge), data.digits
    style_x, style_y = data.style_judge_data
    style_judge, _ = load_or_train_judge(style_x, style_y, int(style_y.max()) + 1, config)
    digit_judge, _ = load_or_train_judge(digits.train_x, digits.train_y, digits.num_classes, config)
    styles = ["plain", *bench.data["styles"]]
    per_style = {}
    for label, style in enumerate(styles):
        images = digits.test_x if style == "plain" else apply_style(digits.test_x, style)
        per_style[style] = float((judge_outputs(style_judge, images)[0].argmax(1) == label).double().mean())
    digit_accuracy = float((judge_outputs(digit_judge, digits.test_x)[0].argmax(1) == digits.test_y).double().mean())
    print(json.dumps({"style_judge_heldout": per_style, "style_judge_mean": sum(per_style.values()) / len(per_style),
                      "digit_judge_heldout": digit_accuracy, "test_digits": int(digits.test_x.shape[0])}, indent=1))


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
