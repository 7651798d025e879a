"""CIFAR-100 (torchvision's pickle layout) and ImageNet-100 (ImageFolder layout) loaders on tiny
fake folders, the missing-data report, and the refusal of a malicious pickle."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from benchmarks.data import check_data_source, load_data_source
from benchmarks.data.imagenet_folder import class_list
from core.errors import RunFailure


def write_fake_cifar100(root: Path, per_split: dict[str, int]) -> dict[str, np.ndarray]:
    folder = root / "cifar-100-python"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    written = {}
    for split, n in per_split.items():
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        entry = {b"data": data, b"fine_labels": [int(i % 100) for i in range(n)], b"coarse_labels": [0] * n}
        (folder / split).write_bytes(pickle.dumps(entry, protocol=2))
        written[split] = data
    return written


def test_cifar100_reads_the_torchvision_layout(tmp_path):
    written = write_fake_cifar100(tmp_path, {"train": 7, "test": 3})
    data = load_data_source({"source": "cifar100"}, str(tmp_path))
    assert data.train_x.shape == (7, 3, 32, 32) and data.test_x.shape == (3, 3, 32, 32) and data.num_classes == 100
    assert data.train_y.tolist() == list(range(7))
    pixel = written["train"][2].reshape(3, 32, 32)[1, 4, 5]  # CHW rows, as torchvision reads them
    assert data.train_x[2, 1, 4, 5].item() == pytest.approx(pixel / 255 * 2 - 1)
    assert check_data_source({"source": "cifar100"}, str(tmp_path)) == []


def test_cifar100_missing_files_are_listed_and_a_run_fails_with_one_line(tmp_path):
    missing = check_data_source({"source": "cifar100"}, str(tmp_path))
    assert [Path(m).name for m in missing] == ["train", "test"]
    with pytest.raises(RunFailure, match="cifar-100-python"):
        load_data_source({"source": "cifar100"}, str(tmp_path))


def test_cifar100_pickle_that_would_run_code_is_refused(tmp_path):
    (tmp_path / "cifar-100-python").mkdir()
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    for split in ("train", "test"):
        (tmp_path / "cifar-100-python" / split).write_bytes(pickle.dumps({b"data": Evil()}))
    with pytest.raises(RunFailure, match="refusing"):
        load_data_source({"source": "cifar100"}, str(tmp_path))
    assert not marker.exists()


def write_fake_imagenet(root: Path, wnids: list[str], per_class: int) -> None:
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        for wnid in wnids:
            folder = root / "imagenet" / split / wnid
            folder.mkdir(parents=True)
            for k in range(per_class):
                pixels = rng.integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(folder / f"{wnid}_{k}.JPEG", format="JPEG")


def test_imagenet_folder_reads_the_listed_classes_resized(tmp_path):
    wnids = class_list("imagenet100")
    assert len(wnids) == 100
    write_fake_imagenet(tmp_path, wnids, per_class=1)
    (tmp_path / "imagenet" / "train" / "n99999999").mkdir()  # a class outside the list is ignored
    options = {"source": "imagenet-folder", "folder": "imagenet", "classes": "imagenet100", "image_size": 8}
    assert check_data_source(options, str(tmp_path)) == []
    data = load_data_source(options, str(tmp_path))
    assert data.train_x.shape == (100, 3, 8, 8) and data.test_x.shape == (100, 3, 8, 8) and data.num_classes == 100
    assert data.train_y.tolist() == list(range(100))
    assert data.train_x.min() >= -1 and data.train_x.max() <= 1


def test_imagenet_folder_reports_classes_without_images(tmp_path):
    write_fake_imagenet(tmp_path, class_list("imagenet100")[:98], per_class=1)
    missing = check_data_source({"source": "imagenet-folder"}, str(tmp_path))
    assert len(missing) == 4 and all("n01855672" in m or "n02090622" in m for m in missing)


def test_data_check_command_lists_missing_files(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "harness", "data", "check", "cifar100", "--data-root", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1 and result.stdout.count("missing:") == 2 and "Traceback" not in result.stderr
