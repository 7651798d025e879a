"""The class-conditional pixel UNet shared by the `ddpm-unet` and `flow-unet` backbones.

diffusers' UNet2DModel with plain down/up blocks (no attention; the mid block keeps diffusers'
default self-attention) and a class-embedding table whose vector is added to the timestep embedding.
"""

from __future__ import annotations

from typing import Annotated

import torch
from pydantic import Field

from harness.backbones._diffusers_import import import_model_module
from core.errors import UsageError

# the UNet's shape options of a bench's backbone block, typed and bounded where the factories declare them
Channels = Annotated[tuple[Annotated[int, Field(strict=True, ge=1, le=4096)], ...], Field(min_length=1, max_length=6)]
LayersPerBlock = Annotated[int, Field(strict=True, ge=1, le=8)]
NormGroups = Annotated[int, Field(strict=True, ge=1, le=4096)]

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
        if any(width % norm_num_groups for width in block_out_channels):
            raise UsageError(f"backbone block_out_channels {list(block_out_channels)} must each be a multiple of norm_num_groups {norm_num_groups}")
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.num_classes = num_classes
        self.unet = class_conditional_unet(image_shape, block_out_channels, layers_per_block, norm_num_groups, num_class_embeds)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device
