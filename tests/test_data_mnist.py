"""The torchvision MNIST / Fashion-MNIST source, on tiny real IDX files written here."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks.data import load_data_source
from core.errors import RunFailure
from harness.bench import load_bench
from harness.cli import main


def write_idx_dataset(root: Path, dataset: str = "MNIST", per_class: int = 6, test_per_class: int = 3, size: int = 28, seed: int = 0) -> None:
    """The four uncompressed IDX files torchvision reads (magic 2051 images, 2049 labels)."""
    rng = np.random.default_rng(seed)
    raw = root / dataset / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for prefix, count in (("train", per_class), ("t10k", test_per_class)):
        labels = np.repeat(np.arange(10, dtype=np.uint8), count)
        images = np.zeros((labels.size, size, size), dtype=np.uint8)
        for n, label in enumerate(labels):  # a class-specific bright bar plus noise
            images[n, 2 + 2 * label : 5 + 2 * label, 4:24] = 255
            images[n] |= rng.integers(0, 40, (size, size), dtype=np.uint8)
        (raw / f"{prefix}-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 2051, labels.size, size, size) + images.tobytes())
        (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 2049, labels.size) + labels.tobytes())


@pytest.mark.parametrize("dataset", ["MNIST", "FashionMNIST"])
def test_loader_reads_idx_files_into_unit_range(tmp_path: Path, dataset: str) -> None:
    write_idx_dataset(tmp_path, dataset)
    data = load_data_source({"source": "torchvision-mnist", "dataset": dataset}, str(tmp_path))
    assert data.train_x.shape == (60, 1, 28, 28) and data.test_x.shape == (30, 1, 28, 28)
    assert data.train_x.min() >= -1 and data.train_x.max() == 1 and data.train_x.dtype == torch.float32
    assert data.train_y.tolist() == np.repeat(np.arange(10), 6).tolist()


def test_missing_files_give_one_error_naming_them(tmp_path: Path) -> None:
    with pytest.raises(RunFailure, match=r"MNIST/raw/train-images-idx3-ubyte.*harness data fetch"):
        load_data_source({"source": "torchvision-mnist", "dataset": "MNIST"}, str(tmp_path))


def test_no_root_says_how_to_give_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_DATA", raising=False)
    with pytest.raises(RunFailure, match="--data-root"):
        load_data_source({"source": "torchvision-mnist", "dataset": "FashionMNIST"}, None)


@pytest.mark.parametrize("name,tasks", [("split-mnist", 5), ("split-fmnist", 5), ("split-mnist-10", 10)])
def test_benches_load(name: str, tasks: int) -> None:
    bench = load_bench(name)
    assert bench.num_tasks == tasks and bench.data["source"] == "torchvision-mnist"
    assert {"bits_per_dim", "inception_fid", "inception_kid"} <= set(bench.metrics)


def test_data_fetch_is_a_no_op_when_files_are_present(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_idx_dataset(tmp_path, "FashionMNIST")
    assert main(["data", "fetch", "split-fmnist", "--data-root", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "FashionMNIST" / "raw")
    assert main(["data", "fetch", "split-digits"]) == 0
