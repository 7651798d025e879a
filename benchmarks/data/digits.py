"""scikit-learn's handwritten digits: 1,797 real 8x8 images shipped with the library."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from benchmarks.data._source import DATA_SOURCES, LabeledImages


@DATA_SOURCES.register("sklearn-digits")
def load_sklearn_digits(data_root: str | None = None, split_seed: int = 0, test_fraction: float = 0.25) -> LabeledImages:
    """Stratified held-out split fixed by `split_seed`; pixels 0..16 mapped to [-1, 1]."""
    del data_root  # embedded in scikit-learn: no root needed
    digits = load_digits()
    images = (digits.images.astype(np.float32) / 16.0) * 2.0 - 1.0
    labels = digits.target.astype(np.int64)
    train_x, test_x, train_y, test_y = train_test_split(
        images, labels, test_size=test_fraction, random_state=split_seed, stratify=labels
    )
    as_tensor = lambda a: torch.from_numpy(np.ascontiguousarray(a)).unsqueeze(1)  # noqa: E731
    return LabeledImages(
        train_x=as_tensor(train_x),
        train_y=torch.from_numpy(train_y),
        test_x=as_tensor(test_x),
        test_y=torch.from_numpy(test_y),
        num_classes=10,
    )
