"""Inception FID/KID plumbing: the missing-weights error and clean-fid's preprocessing path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.errors import RunFailure
from metrics.inception import INCEPTION_FILE, inception_features, load_inception


def test_missing_weights_name_the_file_and_where_to_put_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_WEIGHTS", str(tmp_path))
    with pytest.raises(RunFailure, match=f"{tmp_path / INCEPTION_FILE}.*HARNESS_WEIGHTS"):
        load_inception(torch.device("cpu"))
    monkeypatch.delenv("HARNESS_WEIGHTS")
    with pytest.raises(RunFailure, match="HARNESS_WEIGHTS \\(unset\\)"):
        load_inception(torch.device("cpu"))


class _MeanPixel(torch.nn.Module):
    """Stands in for Inception's `layers`: 2048 copies of the mean normalized pixel."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Conv2d(3, 2048, 1, bias=False))
        torch.nn.init.constant_(self.layers[1].weight, 1.0 / 3.0)

    def forward(self, x: torch.Tensor, return_features: bool = False) -> torch.Tensor:
        return self.layers(x)


def test_features_go_through_the_clean_resize_and_the_local_torchscript_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch.jit.script(_MeanPixel()).save(str(tmp_path / INCEPTION_FILE))
    monkeypatch.setenv("HARNESS_WEIGHTS", str(tmp_path))
    model = load_inception(torch.device("cpu"))
    grey = torch.full((2, 1, 8, 8), 0.5)  # 8-bit pixel 191 -> (191 - 128) / 128 after clean-fid's normalization
    features = inception_features(model, grey)
    assert features.shape == (2, 2048)
    np.testing.assert_allclose(features, (191 - 128) / 128, atol=1e-3)
