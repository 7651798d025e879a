"""Harness-made pretraining of a small ViT (the embedded bench's stand-in for ImageNet weights).

The ViT built from config is trained with cross-entropy on the training images of a subset
of classes (its own temporary head), deterministically, and its body is cached under a hash
of the data, the architecture and the config, like the judge in metrics/judge.py: every run
of a bench starts from the same weights.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from pydantic import Field

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from core.cache import cache_root
from core.seeding import torch_generator

PRETRAIN_CODE_VERSION = 1


@dataclass(frozen=True)
class PretrainConfig:
    classes: tuple[Annotated[int, Field(strict=True, ge=0)], ...]
    steps: Annotated[int, Field(strict=True, ge=1, le=1_000_000)] = 600
    batch_size: Annotated[int, Field(strict=True, ge=1, le=65_536)] = 64
    lr: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1e-3
    seed: Annotated[int, Field(strict=True, ge=0)] = 0


def _cache_key(images: torch.Tensor, labels: torch.Tensor, arch: dict[str, Any], config: PretrainConfig) -> str:
    digest = hashlib.sha256()
    digest.update(images.contiguous().numpy().tobytes())
    digest.update(labels.contiguous().numpy().tobytes())
    digest.update(json.dumps({"arch": arch, "config": asdict(config), "code": PRETRAIN_CODE_VERSION}, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def pretrain_body(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, config: PretrainConfig) -> None:
    """Train `model.body` (a ViTClassifier's) on (images, labels) with a throwaway head."""
    generator = torch_generator(config.seed, "vit-pretrain")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        head = torch.nn.Linear(model.embed_dim, len(config.classes))
    targets = torch.tensor([config.classes.index(int(y)) for y in labels])
    optimizer = torch.optim.Adam(list(model.body.parameters()) + list(head.parameters()), lr=config.lr)
    model.train()
    for _ in range(config.steps):
        index = torch.randint(0, images.shape[0], (config.batch_size,), generator=generator)
        loss = F.cross_entropy(head(model.features(images[index])[0]), targets[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    model.eval()


def load_or_pretrain(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, arch: dict[str, Any], config: PretrainConfig) -> str:
    """Give `model.body` the cached pretrained weights (training them once); returns the cache key."""
    keep = torch.isin(labels, torch.tensor(config.classes))
    images, labels = images[keep], labels[keep]
    key = _cache_key(images, labels, arch, config)
    path = cache_root() / "vit-pretrain" / f"{key}.safetensors"
    if path.is_file():
        model.body.load_state_dict(load_file(str(path)))
        return key
    pretrain_body(model, images, labels, config)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    save_file({k: v.contiguous() for k, v in model.body.state_dict().items()}, str(temporary))
    os.replace(temporary, path)
    return key
