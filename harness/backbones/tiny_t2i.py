"""The embedded tiny text-to-image model: pixel-space SD layout, pretrained once on digits 0-4.

A UNet2DConditionModel with cross-attention, a tiny CLIPTextModel and a CLIPTokenizer whose
vocab.json / merges.txt the harness writes from the prompt vocabulary. It is pretrained on
scikit-learn digits of the base classes with prompts that name them ("a photo of digit
three"), plus the class prompt ("a photo of a digit") and an empty prompt (classifier-free
guidance), and cached under a hash of the data, the config and this code, like the judge.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import torch
from diffusers import DDPMScheduler, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

from core.cache import cache_root
from core.seeding import torch_generator
from harness.backbones.text_to_image import TextToImageDiffusion
from harness.backbones.text_to_image_folder import load_folder

TINY_CODE_VERSION = 1
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
VOCABULARY = ("a", "photo", "of", "digit", "in", "style", *DIGIT_WORDS)


@dataclass(frozen=True)
class TinyT2IConfig:
    block_out_channels: tuple[int, ...] = (32,)
    mid_block: bool = False
    attention_head_dim: int = 8
    norm_num_groups: int = 8
    text_hidden_size: int = 128
    text_layers: int = 2
    text_heads: int = 4
    max_prompt_tokens: int = 16
    num_train_timesteps: int = 1000
    beta_schedule: str = "squaredcos_cap_v2"
    pretrain_steps: int = 1500
    pretrain_batch_size: int = 64
    pretrain_lr: float = 2e-3
    class_prompt_fraction: float = 0.1
    empty_prompt_fraction: float = 0.1
    seed: int = 0
    base_classes: tuple[int, ...] = field(default=(0, 1, 2, 3, 4))


def write_tokenizer_files(folder: Path, words: tuple[str, ...] = VOCABULARY) -> None:
    """vocab.json and merges.txt of a CLIP BPE that spells every word of `words` as one token."""
    vocab: dict[str, int] = {}

    def add(token: str) -> None:
        vocab.setdefault(token, len(vocab))

    for char in sorted(set("".join(words))):
        add(char)
        add(char + "</w>")
    merges: list[str] = []
    for word in words:
        pieces = [*word[:-1], word[-1] + "</w>"]
        while len(pieces) > 1:
            merge = f"{pieces[0]} {pieces[1]}"
            if merge not in merges:
                merges.append(merge)
            pieces = [pieces[0] + pieces[1], *pieces[2:]]
            add(pieces[0])
    add("<|startoftext|>")
    add("<|endoftext|>")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(vocab, indent=0))
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")


def build_tiny(config: TinyT2IConfig, image_shape: tuple[int, int, int], tokenizer_folder: Path) -> TextToImageDiffusion:
    """Random-weight components from config (seeded)."""
    write_tokenizer_files(tokenizer_folder)
    tokenizer = CLIPTokenizer.from_pretrained(tokenizer_folder, model_max_length=config.max_prompt_tokens)
    vocab = tokenizer.get_vocab()
    channels, height, _ = image_shape
    depth = len(config.block_out_channels)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        unet = UNet2DConditionModel(
            sample_size=height, in_channels=channels, out_channels=channels,
            block_out_channels=tuple(config.block_out_channels), layers_per_block=1,
            down_block_types=("CrossAttnDownBlock2D",) + ("DownBlock2D",) * (depth - 1),
            up_block_types=("UpBlock2D",) * (depth - 1) + ("CrossAttnUpBlock2D",),
            cross_attention_dim=config.text_hidden_size, attention_head_dim=config.attention_head_dim,
            norm_num_groups=config.norm_num_groups,
            mid_block_type="UNetMidBlock2DCrossAttn" if config.mid_block else None,
        )
        text_encoder = CLIPTextModel(CLIPTextConfig(
            vocab_size=len(vocab), hidden_size=config.text_hidden_size, intermediate_size=2 * config.text_hidden_size,
            num_attention_heads=config.text_heads, num_hidden_layers=config.text_layers,
            max_position_embeddings=config.max_prompt_tokens, bos_token_id=vocab["<|startoftext|>"],
            eos_token_id=vocab["<|endoftext|>"], pad_token_id=vocab["<|endoftext|>"],
        ))
    scheduler = DDPMScheduler(num_train_timesteps=config.num_train_timesteps, beta_schedule=config.beta_schedule, clip_sample=True)
    return TextToImageDiffusion(unet, text_encoder, tokenizer, scheduler)


def digit_prompt(label: int) -> str:
    return f"a photo of digit {DIGIT_WORDS[label]}"


def pretrain(model: TextToImageDiffusion, images: torch.Tensor, labels: torch.Tensor, config: TinyT2IConfig, class_prompt: str,
             after_step: Callable[[TextToImageDiffusion, int], None] | None = None) -> None:
    """Deterministic joint training of UNet and text encoder on base-class digits with their prompts;
    `after_step(model, done)` (a probe's checkpoint hook) runs after each step and must leave the model as it found it."""
    generator = torch_generator(config.seed, "tiny-t2i-pretrain")
    model.requires_grad_(True)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.pretrain_lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.pretrain_steps)
    for step in range(config.pretrain_steps):
        index = torch.randint(0, images.shape[0], (config.pretrain_batch_size,), generator=generator)
        draw = torch.rand(config.pretrain_batch_size, generator=generator)
        prompts = [
            "" if u < config.empty_prompt_fraction else class_prompt if u < config.empty_prompt_fraction + config.class_prompt_fraction else digit_prompt(int(y))
            for u, y in zip(draw.tolist(), labels[index].tolist())
        ]
        loss = model.loss(images[index], prompts, generator).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if after_step is not None:
            after_step(model, step + 1)
    model.requires_grad_(False)
    model.eval()


def cache_key(images: torch.Tensor, labels: torch.Tensor, config: TinyT2IConfig, class_prompt: str) -> str:
    digest = hashlib.sha256()
    digest.update(images.contiguous().numpy().tobytes())
    digest.update(labels.contiguous().numpy().tobytes())
    digest.update(json.dumps({"config": asdict(config), "class_prompt": class_prompt, "code": TINY_CODE_VERSION}, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def load_or_pretrain(images: torch.Tensor, labels: torch.Tensor, config: TinyT2IConfig, class_prompt: str,
                     after_step: Callable[[TextToImageDiffusion, int], None] | None = None) -> tuple[Path, str]:
    """The cached pretrained folder for this data and config (trained once); returns (folder, key)."""
    key = cache_key(images, labels, config, class_prompt)
    folder = cache_root() / "tiny-t2i" / key
    if (folder / "unet" / "config.json").is_file():
        return folder, key
    staging = folder.with_name(f".{key}.tmp{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    model = build_tiny(config, tuple(images.shape[1:]), staging / "tokenizer")
    pretrain(model, images, labels, config, class_prompt, after_step)
    model.save_folder(staging)
    try:
        os.replace(staging, folder)
    except OSError:  # another process finished first: keep its copy
        shutil.rmtree(staging, ignore_errors=True)
    return folder, key


def load_tiny(folder: Path) -> TextToImageDiffusion:
    return load_folder(folder)
