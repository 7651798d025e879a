"""Backbones: the generative (or classifier) models a track trains, built from bench config."""

from harness.backbones._registry import BACKBONES, build_backbone
from harness.backbones import ddpm, flow, vit  # noqa: F401  (registers "ddpm-unet", "flow-unet", "vit")

__all__ = ["BACKBONES", "build_backbone"]
