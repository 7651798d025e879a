"""A split-mnist-5k bench runs on the full torchvision MNIST by switching its `source` alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml

from benchmarks.data import load_data_source
from core.errors import UsageError
from harness.bench import load_bench, load_bench_file
from harness.tracks.class_gen.tasks import load_tasks
from test_data_mnist import write_idx_dataset


@pytest.mark.parametrize("name,tasks", [("split-mnist-5k", 5), ("split-mnist-5k-10", 10)])
def test_the_same_yaml_reads_torchvision_mnist_at_the_same_size(tmp_path: Path, name: str, tasks: int) -> None:
    raw = yaml.safe_load(Path(load_bench(name).path).read_text())
    assert raw["data"]["source"] == "mnist-5k"
    raw["data"]["source"] = "torchvision-mnist"
    switched = tmp_path / f"{name}.yaml"
    switched.write_text(yaml.safe_dump(raw))
    write_idx_dataset(tmp_path / "data", "MNIST", per_class=3, test_per_class=2)
    data, split = load_tasks(load_bench_file(switched), str(tmp_path / "data"))
    packaged, _ = load_tasks(load_bench(name), None)
    assert data.image_shape == packaged.image_shape == (1, 14, 14)
    assert len(split) == tasks and split[1].train_x.shape[0] == 3 * len(split[1].classes)
    levels = (data.test_x + 1.0) * 127.5
    assert torch.allclose(levels, levels.round(), atol=1e-3)  # 8-bit after pooling, as the packaged digits


def test_torchvision_pool_is_the_block_mean_and_refuses_other_sizes(tmp_path: Path) -> None:
    write_idx_dataset(tmp_path, "MNIST", per_class=2, test_per_class=1)
    full = load_data_source({"source": "torchvision-mnist"}, str(tmp_path))
    pooled = load_data_source({"source": "torchvision-mnist", "pool": 4}, str(tmp_path))
    assert pooled.train_x.shape == (20, 1, 7, 7)
    assert (pooled.train_x - torch.nn.functional.avg_pool2d(full.train_x, 4)).abs().max() <= 0.5 / 127.5 + 1e-6
    with pytest.raises(UsageError, match="pool 3"):
        load_data_source({"source": "torchvision-mnist", "pool": 3}, str(tmp_path))
