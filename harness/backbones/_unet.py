"""The class-conditional pixel UNet shared by the `ddpm-unet` and `flow-unet` backbones.

diffusers' UNet2DModel with plain down/up blocks (no attention; the mid block keeps diffusers'
default self-attention) and a class-embedding table whose vector is added to the timestep embedding.
"""

from __future__ import annotations

from typing import Any

import torch

from harness.backbones._diffusers_import import import_model_module

UNet2DModel = import_model_module("diffusers.models.unets.unet_2d").UNet2DModel


def class_conditional_unet(image_shape: tuple[int, int, int], block_out_channels: tuple[int, ...], layers_per_block: int,
                           norm_num_groups: int, num_class_embeds: int) -> UNet2DModel:
    channels, height, width = image_shape
    depth = len(block_out_channels)
    return UNet2DModel(
        sample_size=(height, width),
        in_channels=channels,
        out_channels=channels,
        block_out_channels=tuple(block_out_channels),
        layers_per_block=layers_per_block,
        down_block_types=("DownBlock2D",) * depth,
        up_block_types=("UpBlock2D",) * depth,
        norm_num_groups=norm_num_groups,
        num_class_embeds=num_class_embeds,
    )


class PixelUNetModel(torch.nn.Module):
    """Base of the pixel generators: the image shape, the class count and the UNet they train."""

    def __init__(self, image_shape: tuple[int, int, int], num_classes: int, num_class_embeds: int,
                 block_out_channels: tuple[int, ...] = (32, 64), layers_per_block: int = 1, norm_num_groups: int = 8) -> None:
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.num_classes = num_classes
        self.unet = class_conditional_unet(image_shape, block_out_channels, layers_per_block, norm_num_groups, num_class_embeds)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device


def backbone_config(config: dict[str, Any]) -> dict[str, Any]:
    """A bench YAML's backbone block as constructor keywords (YAML lists become tuples)."""
    if "block_out_channels" in config:
        config["block_out_channels"] = tuple(config["block_out_channels"])
    return config
