"""ViT classifier for the class-cls track: a timm VisionTransformer body, one linear head over
all classes of the bench, and an optional prompt module (prefix tuning, CODA-Prompt style).

Prefix prompts are prepended to the keys and values of chosen blocks (CODA-Prompt's
models/vit.py); the blocks are run one by one here, reusing timm's `qkv`/`proj`, so the
state-dict keys stay timm's. The prompt query is the final [CLS] feature of a no-grad
pass without prompts, as in CODA-Prompt's models/zoo.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Protocol

import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict, Field
from timm.models.vision_transformer import Attention, Block, VisionTransformer

from core.errors import UsageError
from harness.backbones._registry import BACKBONES

Prefix = tuple[torch.Tensor, torch.Tensor]


class ViTArch(BaseModel):
    """A bench's `backbone.arch`: the timm VisionTransformer keywords a bench may set."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    patch_size: Annotated[int, Field(strict=True, ge=1, le=64)] = 16
    embed_dim: Annotated[int, Field(strict=True, ge=1, le=4096)] = 768
    depth: Annotated[int, Field(strict=True, ge=1, le=64)] = 12
    num_heads: Annotated[int, Field(strict=True, ge=1, le=64)] = 12
    mlp_ratio: Annotated[float, Field(gt=0, le=16)] = 4.0


class Normalize(BaseModel):
    """A bench's `backbone.normalize`: per-channel (or one shared) mean and std of the input images."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    mean: Annotated[tuple[Annotated[float, Field(allow_inf_nan=False)], ...], Field(min_length=1, max_length=4)]
    std: Annotated[tuple[Annotated[float, Field(gt=0, allow_inf_nan=False)], ...], Field(min_length=1, max_length=4)]


class PromptModule(Protocol):
    def forward(self, query: torch.Tensor, layer: int, train: bool) -> tuple[Prefix | None, torch.Tensor | float]: ...


def attention_with_prefix(attn: Attention, x: torch.Tensor, prefix: Prefix | None) -> torch.Tensor:
    """timm Attention.forward with key/value prefixes of shape (B, P, C) prepended."""
    if prefix is None:
        return attn(x)
    batch, tokens, _ = x.shape
    qkv = attn.qkv(x).reshape(batch, tokens, 3, attn.num_heads, attn.head_dim).permute(2, 0, 3, 1, 4)
    q, k, v = qkv.unbind(0)
    q, k = attn.q_norm(q), attn.k_norm(k)
    prefix_k, prefix_v = (p.reshape(batch, -1, attn.num_heads, attn.head_dim).permute(0, 2, 1, 3) for p in prefix)
    k, v = torch.cat((prefix_k, k), dim=2), torch.cat((prefix_v, v), dim=2)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=attn.attn_drop.p if attn.training else 0.0)
    out = attn.norm(out.transpose(1, 2).reshape(batch, tokens, attn.attn_dim))
    return attn.proj_drop(attn.proj(out))


def block_with_prefix(block: Block, x: torch.Tensor, prefix: Prefix | None) -> torch.Tensor:
    x = x + block.drop_path1(block.ls1(attention_with_prefix(block.attn, block.norm1(x), prefix)))
    return x + block.drop_path2(block.ls2(block.mlp(block.norm2(x))))


class ViTClassifier(torch.nn.Module):
    """`forward(images) -> logits over all classes`; `forward_train` adds the prompt loss."""

    def __init__(self, body: VisionTransformer, num_classes: int, normalize: Normalize | None = None) -> None:
        super().__init__()
        self.body = body
        self.embed_dim = body.embed_dim
        self.head = torch.nn.Linear(body.embed_dim, num_classes)
        self.prompt: torch.nn.Module | None = None
        stats = normalize or Normalize(mean=(0.0,), std=(1.0,))
        self.register_buffer("mean", torch.tensor(stats.mean, dtype=torch.float32).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(stats.std, dtype=torch.float32).view(1, -1, 1, 1), persistent=False)

    def _tokens(self, images: torch.Tensor) -> torch.Tensor:
        body = self.body
        return body.norm_pre(body.patch_drop(body._pos_embed(body.patch_embed((images - self.mean) / self.std))))

    def features(self, images: torch.Tensor, train: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """([CLS] feature, prompt loss); without a prompt module the plain timm forward."""
        x = self._tokens(images)
        loss = images.new_zeros(())
        if self.prompt is None:
            return self.body.norm(self.body.blocks(x))[:, 0], loss
        with torch.no_grad():
            query = self.body.norm(self.body.blocks(x))[:, 0]
        for layer, block in enumerate(self.body.blocks):
            prefix, layer_loss = self.prompt(query, layer, train)
            loss = loss + layer_loss
            x = block_with_prefix(block, x, prefix)
        return self.body.norm(x)[:, 0], loss

    def forward_train(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feature, loss = self.features(images, train=True)
        return self.head(feature), loss

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images, train=False)[0])


def _load_weights(body: VisionTransformer, path: Path) -> None:
    """timm's own loaders: .npz through the big_vision loader, else a state dict (head dropped)."""
    if path.suffix == ".npz":
        body.load_pretrained(str(path))
        return
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(str(path))
    else:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    state = {k: v for k, v in state.items() if not k.startswith("head.")}
    missing, unexpected = body.load_state_dict(state, strict=False)
    if unexpected or [k for k in missing if not k.startswith("head.")]:
        raise UsageError(f"weights {path} do not fit the ViT: missing {missing[:3]}, unexpected {unexpected[:3]}")


WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.npz")


def resolve_weights(weights: str, folder: str | None = None) -> Path:
    """The checkpoint file of a timm model folder (hub layout: <tag>/model.safetensors): `folder`
    when given (`--weights`), else HARNESS_WEIGHTS/<weights>."""
    import os

    if folder is None:
        root = os.environ.get("HARNESS_WEIGHTS")
        if not root:
            raise UsageError(f"backbone weights {weights!r} need a weights root: set HARNESS_WEIGHTS to the folder that holds {weights}/ or pass --weights")
        base = Path(root).resolve()
        candidate = (base / weights).resolve()
        if base not in candidate.parents:
            raise UsageError(f"backbone weights {weights!r} must name a folder inside HARNESS_WEIGHTS")
    else:
        candidate = Path(folder)
    if candidate.is_file():
        return candidate
    for name in WEIGHT_FILES:
        if (candidate / name).is_file():
            return candidate / name
    raise UsageError(f"backbone weights not found: {candidate} holds none of {', '.join(WEIGHT_FILES)} (download timm/{weights} from the Hugging Face hub there)")


@BACKBONES.register("vit")
def build_vit(
    image_shape: tuple[int, ...],
    num_classes: int,
    arch: ViTArch = ViTArch(),
    weights: str | None = None,
    normalize: Normalize | None = None,
    weights_folder: str | None = None,
) -> ViTClassifier:
    """`arch`: VisionTransformer keyword arguments (tiny models from config); `weights`: a timm
    model folder under HARNESS_WEIGHTS (.safetensors/.bin state dict or big_vision .npz)."""
    channels, side = image_shape[0], image_shape[-1]
    if side % arch.patch_size or arch.embed_dim % arch.num_heads:
        raise UsageError(f"backbone vit: patch_size {arch.patch_size} must divide the image side {side} and num_heads "
                         f"{arch.num_heads} the embed_dim {arch.embed_dim}")
    if normalize is not None and {len(normalize.mean), len(normalize.std)} - {1, channels}:
        raise UsageError(f"backbone vit: normalize mean and std need 1 or {channels} values (the images' channels)")
    body = VisionTransformer(num_classes=0, img_size=side, in_chans=channels, **arch.model_dump(exclude_unset=True))
    if weights is not None:
        _load_weights(body, resolve_weights(weights, weights_folder))
    return ViTClassifier(body, num_classes, normalize)
