"""The pretraining checkpoint hook (scripts/mnist_styles_base_probe.py) sees every step and changes nothing."""

from pathlib import Path

import torch

from harness.backbones.tiny_t2i import TinyT2IConfig, build_tiny, pretrain


def _pretrained(folder: Path, hook=None) -> dict[str, torch.Tensor]:
    config = TinyT2IConfig(pretrain_steps=3, pretrain_batch_size=4, text_hidden_size=32, text_layers=1, base_classes=(0, 1))
    images = torch.rand(6, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    labels = torch.tensor([0, 1, 0, 1, 0, 1])
    model = build_tiny(config, (1, 8, 8), folder)
    pretrain(model, images, labels, config, "a photo of a digit", hook)
    return {key: value.clone() for key, value in model.unet.state_dict().items()}


def test_hook_runs_after_each_step_and_leaves_training_unchanged(tmp_path):
    seen = []

    def hook(model, done):
        seen.append(done)
        model.eval()
        model.sample(["a photo of digit one"], torch.randn(1, 1, 8, 8, generator=torch.Generator().manual_seed(1)), 2, 2.0)
        model.train()

    plain = _pretrained(tmp_path / "a")
    hooked = _pretrained(tmp_path / "b", hook)
    assert seen == [1, 2, 3]
    assert all(torch.equal(plain[key], hooked[key]) for key in plain)
