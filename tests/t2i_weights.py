"""Tiny random feature extractors written in the published layouts under a HARNESS_WEIGHTS root:
a transformers CLIPModel and ViTModel folder, a CSD checkpoint, and a stand-in Inception file."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from metrics.inception import INCEPTION_FILE


class MeanPixelInception(torch.nn.Module):
    """Stands in for clean-fid's Inception `layers`: 2048 weighted channel means."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Conv2d(3, 2048, 1, bias=False))
        torch.nn.init.normal_(self.layers[1].weight, std=1.0 / 3.0, generator=torch.Generator().manual_seed(0))

    def forward(self, x: torch.Tensor, return_features: bool = False) -> torch.Tensor:
        return self.layers(x)


def tiny_clip(seed: int = 0):
    from transformers import CLIPConfig, CLIPModel

    torch.manual_seed(seed)
    config = CLIPConfig(
        text_config=dict(vocab_size=49408, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, max_position_embeddings=77),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, image_size=32, patch_size=8),
        projection_dim=16,
    )
    return CLIPModel(config).eval()


def tiny_dino(seed: int = 0):
    from transformers import ViTConfig, ViTModel

    torch.manual_seed(seed)
    config = ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, image_size=32, patch_size=8)
    return ViTModel(config, add_pooling_layer=False).eval()


def tiny_csd_state(seed: int = 0) -> dict[str, torch.Tensor]:
    """A CSD_CLIP state dict as the CSD authors save it (DataParallel prefix, no backbone.proj)."""
    from open_clip.model import CLIPVisionCfg, _build_vision_tower

    torch.manual_seed(seed)
    visual = _build_vision_tower(24, CLIPVisionCfg(layers=2, width=64, head_width=64, patch_size=8, image_size=32, mlp_ratio=2.0), quick_gelu=True)
    state = {f"module.backbone.{key}": value for key, value in visual.state_dict().items() if key != "proj"}
    state["module.last_layer_style"] = torch.randn(64, 24)
    state["module.last_layer_content"] = torch.randn(64, 24)
    return state


def write_tiny_extractors(root: Path) -> Path:
    """Fill `root` as HARNESS_WEIGHTS: clip-vit-base-patch32/, dino-vits16/, csd/, Inception."""
    root.mkdir(parents=True, exist_ok=True)
    tiny_clip().save_pretrained(root / "clip-vit-base-patch32")
    tiny_dino().save_pretrained(root / "dino-vits16")
    (root / "csd").mkdir(exist_ok=True)
    torch.save({"model_state_dict": tiny_csd_state(), "args": argparse.Namespace(arch="vit_large")}, root / "csd" / "checkpoint.pth")
    torch.jit.script(MeanPixelInception()).save(str(root / INCEPTION_FILE))
    return root
