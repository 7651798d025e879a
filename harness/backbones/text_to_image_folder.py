"""Loading a local diffusers folder into the backbone it holds: Stable Diffusion 1.x/2.x
(harness/backbones/text_to_image.py) or SDXL (text_to_image_xl.py, when the folder has a second
text encoder). Apart from both so that neither backbone module imports the other."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
from transformers import CLIPTextModel, CLIPTokenizer

from core.errors import RunFailure
from harness.backbones.text_to_image import LAYOUT, TextToImageDiffusion, check_layout
from harness.backbones.text_to_image_xl import StableDiffusionXL, load_xl_parts


def load_folder(folder: Path, dtype: torch.dtype = torch.float32) -> TextToImageDiffusion:
    """Load a local diffusers folder; one error line naming the layout if it is missing or partial."""
    folder = Path(folder)
    check_layout(folder)
    try:
        unet = UNet2DConditionModel.from_pretrained(folder / "unet", torch_dtype=dtype)
        text_encoder = CLIPTextModel.from_pretrained(folder / "text_encoder", torch_dtype=dtype)
        tokenizer = CLIPTokenizer.from_pretrained(folder / "tokenizer")
        scheduler = DDPMScheduler.from_pretrained(folder / "scheduler")
        vae = AutoencoderKL.from_pretrained(folder / "vae", torch_dtype=dtype) if (folder / "vae").is_dir() else None
        if (folder / "text_encoder_2").is_dir():
            return StableDiffusionXL(unet, text_encoder, tokenizer, scheduler, vae, *load_xl_parts(folder, dtype))
    except (OSError, ValueError, json.JSONDecodeError) as exc:
        raise RunFailure(f"cannot load model folder {folder} ({type(exc).__name__}: {str(exc).splitlines()[0]}): expected {LAYOUT}") from None
    return TextToImageDiffusion(unet, text_encoder, tokenizer, scheduler, vae)
