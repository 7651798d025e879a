"""The class-cls evaluator and schedule: accuracy among seen classes without task id (checked
against scikit-learn), CODA-Prompt's cosine schedule, and a tiny ViT from config with weights
loaded from a local file."""

from __future__ import annotations

import math

import pytest
import torch
from safetensors.torch import save_file
from sklearn.metrics import accuracy_score
from torch.utils.data import TensorDataset

from core.errors import UsageError
from harness.backbones.vit import ViTArch, build_vit
from harness.tracks.class_cls.evaluation import predict
from harness.tracks.class_cls.tasks import ClassificationTask
from harness.tracks.class_cls.views import ClassClsView
from methods._classifier import coda_cosine_lr
from metrics.classification import accuracy

TINY = ViTArch(patch_size=4, embed_dim=16, depth=2, num_heads=2)


class _FixedLogits(torch.nn.Module):
    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = logits

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.logits[images[:, 0].long()]


def test_accuracy_ignores_unseen_classes_and_matches_sklearn():
    logits = torch.tensor([[0.0, 1.0, 9.0], [2.0, 1.0, 9.0], [0.0, 3.0, 0.0], [1.0, 0.0, 0.0]])
    images, labels = torch.arange(4).float().view(4, 1), torch.tensor([1, 0, 1, 1])
    predicted, truth = predict(_FixedLogits(logits), TensorDataset(images, labels), valid_classes=2, device=torch.device("cpu"))
    assert predicted.tolist() == [1, 0, 1, 0]  # class 2 (unseen) never predicted
    assert accuracy(ClassClsView(task_index=0, after_task=0, predicted=predicted, labels=truth)) == pytest.approx(100 * accuracy_score(truth, predicted))


def test_coda_cosine_schedule():
    assert coda_cosine_lr(1e-3, 0, 50) == 1e-3
    assert coda_cosine_lr(1e-3, 49, 50) == pytest.approx(1e-3 * math.cos(99 * math.pi / 200))
    assert coda_cosine_lr(1e-3, 0, 1) == 1e-3


def test_tiny_vit_from_config_and_from_a_local_weights_file(tmp_path, monkeypatch):
    torch.manual_seed(0)
    model = build_vit((3, 16, 16), 5, arch=TINY)
    assert model(torch.rand(2, 3, 16, 16)).shape == (2, 5)
    (tmp_path / "tiny-vit").mkdir()
    save_file({k: v.contiguous() for k, v in model.body.state_dict().items()}, str(tmp_path / "tiny-vit" / "model.safetensors"))
    monkeypatch.setenv("HARNESS_WEIGHTS", str(tmp_path))
    torch.manual_seed(1)
    loaded = build_vit((3, 16, 16), 5, arch=TINY, weights="tiny-vit")
    for key, value in model.body.state_dict().items():
        assert torch.equal(value, loaded.body.state_dict()[key]), key
    with pytest.raises(UsageError, match="inside HARNESS_WEIGHTS"):
        build_vit((3, 16, 16), 5, arch=TINY, weights="../outside")
    with pytest.raises(UsageError, match="not found"):
        build_vit((3, 16, 16), 5, arch=TINY, weights="absent-vit")
