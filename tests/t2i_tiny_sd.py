"""A tiny random Stable-Diffusion-layout folder (UNet with cross-attention, VAE, CLIP text model,
tokenizer files, scheduler), saved as diffusers saves one, for smoke runs of the t2i benches."""

from __future__ import annotations

import string
from pathlib import Path

import torch
from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

from harness.backbones.text_to_image import TextToImageDiffusion
from harness.backbones.tiny_t2i import write_tokenizer_files

WORDS = (*string.ascii_lowercase, "a", "photo", "of", "person", "face", "waterfall", "image", "in", "the")


def write_tiny_sd(folder: Path, seed: int = 0, channels: int = 3, size: int = 16) -> Path:
    """16 px images through a 2x VAE into 8x8 latents; 32-wide text encoder (`channels=1, size=8`:
    for the embedded 8 px digit concepts)."""
    write_tokenizer_files(folder / "tokenizer", WORDS)
    tokenizer = CLIPTokenizer.from_pretrained(folder / "tokenizer", model_max_length=16)
    vocab = tokenizer.get_vocab()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        unet = UNet2DConditionModel(
            sample_size=size // 2, in_channels=4, out_channels=4, block_out_channels=(16,), layers_per_block=1,
            down_block_types=("CrossAttnDownBlock2D",), up_block_types=("CrossAttnUpBlock2D",),
            cross_attention_dim=32, attention_head_dim=8, norm_num_groups=8, mid_block_type=None,
        )
        vae = AutoencoderKL(
            in_channels=channels, out_channels=channels, down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
            up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"), block_out_channels=(8, 16), latent_channels=4,
            norm_num_groups=8, sample_size=size,
        )
        text_encoder = CLIPTextModel(CLIPTextConfig(
            vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_attention_heads=2, num_hidden_layers=2,
            max_position_embeddings=16, bos_token_id=vocab["<|startoftext|>"], eos_token_id=vocab["<|endoftext|>"],
            pad_token_id=vocab["<|endoftext|>"],
        ))
    scheduler = DDPMScheduler(num_train_timesteps=1000, beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012)
    TextToImageDiffusion(unet, text_encoder, tokenizer, scheduler, vae).save_folder(folder)
    return folder
