"""Classifier-free guidance in the DDPM backbone: label dropout in training, eq. (4) in sampling."""

from __future__ import annotations

import pytest
import torch

from core.errors import UsageError
from harness.backbones import build_backbone

BACKBONE = {"name": "ddpm-unet", "block_out_channels": [8, 16], "layers_per_block": 1, "norm_num_groups": 4, "num_train_timesteps": 50}


def test_label_dropout_replaces_labels_by_the_null_label_at_its_rate() -> None:
    model = build_backbone({**BACKBONE, "label_dropout": 0.1, "guidance_weight": 2.0}, (1, 8, 8), 4)
    assert model.unet.class_embedding.num_embeddings == 5 and model.null_label == 4
    labels = torch.randint(0, 4, (20000,), generator=torch.Generator().manual_seed(0))
    dropped = model.training_labels(labels, torch.Generator().manual_seed(1))
    rate = float((dropped == 4).double().mean())
    assert rate == pytest.approx(0.1, abs=0.01)
    assert torch.equal(dropped[dropped != 4], labels[dropped != 4])
    plain = build_backbone(BACKBONE, (1, 8, 8), 4)
    assert plain.unet.class_embedding.num_embeddings == 4 and torch.equal(plain.training_labels(labels, torch.Generator()), labels)


def test_guided_noise_is_equation_four() -> None:
    model = build_backbone({**BACKBONE, "label_dropout": 0.1, "guidance_weight": 2.0}, (1, 8, 8), 4).eval()
    noisy, timesteps, labels = torch.randn(3, 1, 8, 8), torch.tensor([5, 10, 20]), torch.tensor([0, 1, 3])
    with torch.no_grad():
        conditional = model.predict_noise(noisy, timesteps, labels)
        unconditional = model.predict_noise(noisy, timesteps, torch.full_like(labels, 4))
        guided = model.guided_noise(noisy, timesteps, labels)
    torch.testing.assert_close(guided, 3.0 * conditional - 2.0 * unconditional, atol=1e-5, rtol=1e-5)


def test_guidance_without_label_dropout_is_refused() -> None:
    with pytest.raises(UsageError, match="needs label_dropout"):  # a bench block error: one line, not a crash
        build_backbone({**BACKBONE, "guidance_weight": 2.0}, (1, 8, 8), 4)
