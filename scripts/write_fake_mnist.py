"""Write a tiny fake MNIST / Fashion-MNIST (real IDX format, torchvision layout) under ROOT,
to exercise the split-mnist benches' data path without the real dataset.

Usage: python scripts/write_fake_mnist.py ROOT [--per-class 20] [--test-per-class 10]
Each class is a bright bar at a class-specific height plus seeded noise.
"""

from __future__ import annotations

import argparse
import struct
from pathlib import Path

import numpy as np


def write_idx_dataset(root: Path, dataset: str, per_class: int, test_per_class: int, size: int = 28, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    raw = root / dataset / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for prefix, count in (("train", per_class), ("t10k", test_per_class)):
        labels = np.repeat(np.arange(10, dtype=np.uint8), count)
        images = rng.integers(0, 40, (labels.size, size, size)).astype(np.uint8)
        for n, label in enumerate(labels):
            images[n, 2 + 2 * label : 5 + 2 * label, 4:24] = 255
        (raw / f"{prefix}-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 2051, labels.size, size, size) + images.tobytes())
        (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 2049, labels.size) + labels.tobytes())
    return raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--test-per-class", type=int, default=10)
    args = parser.parse_args()
    for dataset in ("MNIST", "FashionMNIST"):
        print(write_idx_dataset(args.root, dataset, args.per_class, args.test_per_class))


if __name__ == "__main__":
    main()
