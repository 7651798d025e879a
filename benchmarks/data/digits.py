"""scikit-learn's handwritten digits: 1,797 real 8x8 images shipped with the library.

The stratified split is computed with scikit-learn once per (scikit-learn version, split) and
cached (core/cache.py): importing `sklearn.datasets` and `sklearn.model_selection` costs
1-2 s of every run's start-up, more than a smoke run's training."""

from __future__ import annotations

from importlib.metadata import version

import numpy as np
import torch

from benchmarks.data._source import DATA_SOURCES, LabeledImages
from core.cache import cache_root, cached_arrays
from core.typed_options import Fraction, Seed


def _split(split_seed: int, test_fraction: float) -> dict[str, np.ndarray]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images.astype(np.float32) / 16.0) * 2.0 - 1.0
    labels = digits.target.astype(np.int64)
    train_x, test_x, train_y, test_y = train_test_split(
        images, labels, test_size=test_fraction, random_state=split_seed, stratify=labels
    )
    return {"train_x": train_x, "train_y": train_y, "test_x": test_x, "test_y": test_y}


@DATA_SOURCES.register("sklearn-digits")
def load_sklearn_digits(data_root: str | None = None, split_seed: Seed = 0, test_fraction: Fraction = 0.25) -> LabeledImages:
    """Stratified held-out split fixed by `split_seed`; pixels 0..16 mapped to [-1, 1]."""
    del data_root  # embedded in scikit-learn: no root needed
    key = f"sklearn-digits-{version('scikit-learn')}-seed{split_seed}-test{float(test_fraction)!r}"
    arrays = cached_arrays(cache_root() / "data" / f"{key}.safetensors", lambda: _split(split_seed, test_fraction))
    as_images = lambda a: torch.from_numpy(np.array(a, dtype=np.float32)).unsqueeze(1)  # noqa: E731
    return LabeledImages(
        train_x=as_images(arrays["train_x"]),
        train_y=torch.from_numpy(np.array(arrays["train_y"], dtype=np.int64)),
        test_x=as_images(arrays["test_x"]),
        test_y=torch.from_numpy(np.array(arrays["test_y"], dtype=np.int64)),
        num_classes=10,
    )
