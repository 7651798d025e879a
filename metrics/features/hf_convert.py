"""Key maps from the Hugging Face transformers checkpoints the LoRA-merging study evaluates with
(`openai/clip-vit-base-patch32` as `CLIPModel`, `facebook/dino-vits16` as `ViTModel`) to the
open_clip and timm module layouts that compute the same functions.

Both target layouts are the original authors' (OpenAI's CLIP and facebookresearch/dino); the
transformers files are conversions of those, so this is the inverse of that conversion. The
tests check it by feeding one random tiny model through both libraries.
"""

from __future__ import annotations

from typing import Any

import torch

Tensor = torch.Tensor

_BLOCK_CLIP = {
    "layer_norm1": "ln_1", "layer_norm2": "ln_2", "mlp.fc1": "mlp.c_fc", "mlp.fc2": "mlp.c_proj",
    "self_attn.out_proj": "attn.out_proj",
}
_BLOCK_VIT = {
    "layernorm_before": "norm1", "layernorm_after": "norm2", "intermediate.dense": "mlp.fc1",
    "output.dense": "mlp.fc2", "attention.output.dense": "attn.proj",
}


def _strip(state: dict[str, Tensor], prefix: str) -> dict[str, Tensor]:
    return {key[len(prefix):]: value for key, value in state.items() if key.startswith(prefix)}


def _clip_blocks(layers: dict[str, Tensor], target: str, count: int) -> dict[str, Tensor]:
    out: dict[str, Tensor] = {}
    for index in range(count):
        block = _strip(layers, f"{index}.")
        into = f"{target}.resblocks.{index}."
        for kind in ("weight", "bias"):
            out[into + f"attn.in_proj_{kind}"] = torch.cat([block[f"self_attn.{p}_proj.{kind}"] for p in "qkv"])
            for source, name in _BLOCK_CLIP.items():
                out[into + f"{name}.{kind}"] = block[f"{source}.{kind}"]
    return out


def clip_to_open_clip(state: dict[str, Tensor], vision_layers: int, text_layers: int) -> dict[str, Tensor]:
    """A transformers `CLIPModel` state dict as an open_clip `CLIP` state dict."""
    vision = _strip(state, "vision_model.")
    text = _strip(state, "text_model.")
    out = {
        "visual.class_embedding": vision["embeddings.class_embedding"],
        "visual.conv1.weight": vision["embeddings.patch_embedding.weight"],
        "visual.positional_embedding": vision["embeddings.position_embedding.weight"],
        "visual.ln_pre.weight": vision["pre_layrnorm.weight"], "visual.ln_pre.bias": vision["pre_layrnorm.bias"],
        "visual.ln_post.weight": vision["post_layernorm.weight"], "visual.ln_post.bias": vision["post_layernorm.bias"],
        "visual.proj": state["visual_projection.weight"].T.contiguous(),
        "token_embedding.weight": text["embeddings.token_embedding.weight"],
        "positional_embedding": text["embeddings.position_embedding.weight"],
        "ln_final.weight": text["final_layer_norm.weight"], "ln_final.bias": text["final_layer_norm.bias"],
        "text_projection": state["text_projection.weight"].T.contiguous(),
        "logit_scale": state["logit_scale"],
    }
    out.update(_clip_blocks(_strip(vision, "encoder.layers."), "visual.transformer", vision_layers))
    out.update(_clip_blocks(_strip(text, "encoder.layers."), "transformer", text_layers))
    return out


def vit_to_timm(state: dict[str, Tensor], layers: int) -> dict[str, Tensor]:
    """A transformers `ViTModel` state dict (DINO) as a timm `VisionTransformer` state dict."""
    state = _strip(state, "vit.") if any(key.startswith("vit.") for key in state) else state
    out = {
        "cls_token": state["embeddings.cls_token"],
        "pos_embed": state["embeddings.position_embeddings"],
        "patch_embed.proj.weight": state["embeddings.patch_embeddings.projection.weight"],
        "patch_embed.proj.bias": state["embeddings.patch_embeddings.projection.bias"],
        "norm.weight": state["layernorm.weight"], "norm.bias": state["layernorm.bias"],
    }
    for index in range(layers):
        block = _strip(state, f"encoder.layer.{index}.")
        into = f"blocks.{index}."
        for kind in ("weight", "bias"):
            out[into + f"attn.qkv.{kind}"] = torch.cat([block[f"attention.attention.{p}.{kind}"] for p in ("query", "key", "value")])
            for source, name in _BLOCK_VIT.items():
                out[into + f"{name}.{kind}"] = block[f"{source}.{kind}"]
    return out


def open_clip_config(config: dict[str, Any]) -> dict[str, Any]:
    """open_clip `CLIP` keyword arguments from a transformers `CLIPConfig` (config.json)."""
    from open_clip.model import CLIPTextCfg, CLIPVisionCfg

    vision, text = config["vision_config"], config["text_config"]
    act = {vision.get("hidden_act", "quick_gelu"), text.get("hidden_act", "quick_gelu")}
    if len(act) != 1 or not act <= {"quick_gelu", "gelu"}:
        raise ValueError(f"CLIP config uses activations {sorted(act)}; only quick_gelu or gelu (both towers alike) are supported")
    return {
        "embed_dim": config.get("projection_dim", 512),
        "quick_gelu": act == {"quick_gelu"},
        "vision_cfg": CLIPVisionCfg(
            layers=vision["num_hidden_layers"], width=vision["hidden_size"],
            head_width=vision["hidden_size"] // vision["num_attention_heads"],
            mlp_ratio=vision["intermediate_size"] / vision["hidden_size"],
            patch_size=vision["patch_size"], image_size=vision["image_size"],
            norm_kwargs={"eps": vision.get("layer_norm_eps", 1e-5)},
        ),
        "text_cfg": CLIPTextCfg(
            context_length=text["max_position_embeddings"], vocab_size=text["vocab_size"], width=text["hidden_size"],
            heads=text["num_attention_heads"], layers=text["num_hidden_layers"],
            mlp_ratio=text["intermediate_size"] / text["hidden_size"], norm_kwargs={"eps": text.get("layer_norm_eps", 1e-5)},
        ),
    }


def timm_vit_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    """timm `VisionTransformer` keyword arguments from a transformers `ViTConfig` (config.json)."""
    from functools import partial

    if config.get("hidden_act", "gelu") != "gelu" or not config.get("qkv_bias", True):
        raise ValueError("DINO config must use gelu and qkv biases, as the published ViT-S/16 does")
    return {
        "img_size": config["image_size"], "patch_size": config["patch_size"], "embed_dim": config["hidden_size"],
        "depth": config["num_hidden_layers"], "num_heads": config["num_attention_heads"],
        "mlp_ratio": config["intermediate_size"] / config["hidden_size"], "qkv_bias": True, "num_classes": 0,
        "norm_layer": partial(torch.nn.LayerNorm, eps=config.get("layer_norm_eps", 1e-12)),
    }
