"""Are a class-cls bench's frozen backbone features useful on its task images? (issue 30)

For the bench's pretrained ViT, the same ViT untrained, and raw pixels: a multinomial logistic
regression (scikit-learn, L2, C=1) on frozen features of the bench's training images of all
classes, scored on its test images (overall and per rendition style), plus the pretraining
set's own accuracy (convergence) and a probe fitted on the clean pretraining images and
scored on the renditions (transfer without seeing a rendition). Writes one JSON file.

    PYTHONPATH=. python scripts/cls_proxy_probe.py --bench mnist-r-5 --out results/probes/mnist-r-5.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from benchmarks.data.mnist_renditions import STYLES, load_mnist_renditions
from harness.backbones import build_backbone
from harness.bench import load_bench
from harness.tracks import TRACK_REGISTRY, BuildOptions


@torch.no_grad()
def cls_features(model: torch.nn.Module, images: torch.Tensor) -> np.ndarray:
    model.eval()
    return torch.cat([model.features(chunk)[0] for chunk in images.split(256)]).numpy()


def probe(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray) -> tuple[float, np.ndarray]:
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    classifier = LogisticRegression(C=1.0, max_iter=3000).fit((train_x - mean) / std, train_y)
    predicted = classifier.predict((test_x - mean) / std)
    return float((predicted == test_y).mean()), predicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default="mnist-r-5")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    bench = load_bench(args.bench)
    data_options = {k: v for k, v in bench.data.items() if k not in ("source", "class_order")}
    arrays = load_mnist_renditions(**data_options)
    started = time.perf_counter()
    track, options = TRACK_REGISTRY.get(bench.track), BuildOptions(seed=0)
    loaded = track.load(bench, options)
    pretrained = track.build_backbone(bench, loaded, options)
    build_s = time.perf_counter() - started
    config = {k: v for k, v in bench.backbone.items() if k != "pretrain"}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        untrained = build_backbone(config, tuple(arrays["train_x"].shape[1:]), loaded.num_classes)
    train_y, test_y, styles = arrays["train_y"].numpy(), arrays["test_y"].numpy(), arrays["test_style"].numpy()
    clean_y = arrays["clean_y"].numpy()
    result: dict[str, object] = {"bench": bench.name, "spec_hash": bench.spec_hash,
                                 "backbone_build_s": round(build_s, 1), "train_images": len(train_y), "test_images": len(test_y),
                                 "styles": list(STYLES), "probes": {}}
    inputs = {
        "pretrained_vit": lambda x: cls_features(pretrained, x),
        "untrained_vit": lambda x: cls_features(untrained, x),
        "raw_pixels": lambda x: x.flatten(1).numpy(),
    }
    for name, featurize in inputs.items():
        train_f, test_f, clean_f = featurize(arrays["train_x"]), featurize(arrays["test_x"]), featurize(arrays["clean_x"])
        accuracy, predicted = probe(train_f, train_y, test_f, test_y)
        clean_fit, _ = probe(clean_f, clean_y, clean_f, clean_y)
        transfer, transfer_predicted = probe(clean_f, clean_y, test_f, test_y)
        result["probes"][name] = {
            "renditions_test_accuracy": round(accuracy, 4),
            "per_style": {style: round(float((predicted[styles == i] == test_y[styles == i]).mean()), 4) for i, style in enumerate(STYLES)},
            "clean_pretraining_set_accuracy": round(clean_fit, 4),
            "clean_fit_to_renditions_accuracy": round(transfer, 4),
            "clean_fit_to_renditions_per_style": {style: round(float((transfer_predicted[styles == i] == test_y[styles == i]).mean()), 4)
                                                  for i, style in enumerate(STYLES)},
        }
        print(name, json.dumps(result["probes"][name]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
