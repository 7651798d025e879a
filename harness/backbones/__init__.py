"""Backbones: the generative (or classifier) models a track trains, built from bench config.

Each backbone module is imported when a bench builds that backbone (diffusers and timm are heavy).
"""

from harness.backbones._registry import BACKBONES, build_backbone

BACKBONES.declare("harness.backbones.ddpm", ["ddpm-unet"])
BACKBONES.declare("harness.backbones.flow", ["flow-unet"])
BACKBONES.declare("harness.backbones.vit", ["vit"])

__all__ = ["BACKBONES", "build_backbone"]
