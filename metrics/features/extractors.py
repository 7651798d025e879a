"""The feature extractors of the t2i metrics, built from local weights with open_clip and timm.

- CLIP ViT-B/32 (clip_i, clip_t, mmd_clip, drift): open_clip's `CLIP` with OpenAI's QuickGELU,
  weights from the transformers folder the LoRA-merging study loads, converted key by key.
- DINO ViT-S/16 (dino): timm's `VisionTransformer`, CLS token of the final norm, as the
  study's `ViTModel(...).last_hidden_state[:, 0]`.
- CSD (csd): the visual tower of OpenAI's CLIP ViT-L/14 (open_clip's module has the same keys)
  and CSD's style projection, normalized, as in the study's `eval/csd`.
Preprocessing follows each reference: CLIP resizes the short side to the input size (bicubic)
and center-crops; DINO resizes to 256/224 of it first; both normalize with their own mean/std.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from core.errors import RunFailure
from metrics.features import hf_convert
from metrics.features.weights import LAYOUTS, file_digest, first_present, load_state_dict, read_config, weights_folder

CLIP_MEAN, CLIP_STD = (0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@dataclass
class ImageEncoder:
    """uint8 images (3, H, W), any size -> one feature row each."""

    name: str
    encode: Callable[[torch.Tensor], torch.Tensor]
    input_size: int
    resize_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    digest: str  # weights + preprocessing: the feature cache key's first part
    device: torch.device

    def preprocess(self, image: torch.Tensor) -> torch.Tensor:
        from torchvision.transforms.v2 import functional as TF  # torchvision loads only when features are extracted

        image = TF.resize(image, [self.resize_size], interpolation=TF.InterpolationMode.BICUBIC, antialias=True)
        image = TF.center_crop(image, [self.input_size, self.input_size])
        return TF.normalize(image.float() / 255.0, self.mean, self.std)

    @torch.no_grad()
    def __call__(self, images: Sequence[torch.Tensor], batch_size: int = 32) -> np.ndarray:
        rows = []
        for start in range(0, len(images), batch_size):
            batch = torch.stack([self.preprocess(image) for image in images[start : start + batch_size]]).to(self.device)
            rows.append(self.encode(batch).float().cpu())
        return torch.cat(rows).double().numpy()


@dataclass
class ClipModel:
    image: ImageEncoder
    encode_text: Callable[[Sequence[str]], np.ndarray]


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def load_clip(device: torch.device, metric: str = "clip_i") -> ClipModel:
    import open_clip
    from open_clip.model import CLIP

    folder = weights_folder("clip", metric)
    weights = first_present(folder, LAYOUTS["clip"].files[1])
    config = read_config(folder)
    try:
        kwargs = hf_convert.open_clip_config(config)
        model = CLIP(**kwargs)
        state = hf_convert.clip_to_open_clip(load_state_dict(weights), kwargs["vision_cfg"].layers, kwargs["text_cfg"].layers)
        model.load_state_dict(state, strict=True)
    except (KeyError, ValueError, RuntimeError) as exc:
        raise RunFailure(f"{folder} is not a transformers CLIPModel folder open_clip can load ({type(exc).__name__}: {exc}); use {LAYOUTS['clip'].source}") from None
    model = model.to(device).eval()
    size = kwargs["vision_cfg"].image_size
    tokenizer = open_clip.tokenizer.SimpleTokenizer(context_length=kwargs["text_cfg"].context_length)

    @torch.no_grad()
    def encode_text(prompts: Sequence[str]) -> np.ndarray:
        return model.encode_text(tokenizer(list(prompts)).to(device)).float().cpu().double().numpy()

    image = ImageEncoder("clip", model.encode_image, size, size, CLIP_MEAN, CLIP_STD, _digest("clip", file_digest(weights), size), device)
    return ClipModel(image, encode_text)


def load_dino(device: torch.device, metric: str = "dino") -> ImageEncoder:
    from timm.models.vision_transformer import VisionTransformer

    folder = weights_folder("dino", metric)
    weights = first_present(folder, LAYOUTS["dino"].files[1])
    config = read_config(folder)
    try:
        model = VisionTransformer(**hf_convert.timm_vit_kwargs(config))
        model.load_state_dict(hf_convert.vit_to_timm(load_state_dict(weights), config["num_hidden_layers"]), strict=True)
    except (KeyError, ValueError, RuntimeError) as exc:
        raise RunFailure(f"{folder} is not a transformers ViTModel (DINO) folder timm can load ({type(exc).__name__}: {exc}); use {LAYOUTS['dino'].source}") from None
    model = model.to(device).eval()
    size = config["image_size"]
    resize = size * 256 // 224  # the study's Resize(256) before CenterCrop(224)

    def encode(batch: torch.Tensor) -> torch.Tensor:
        return model.forward_features(batch)[:, 0]

    return ImageEncoder("dino", encode, size, resize, IMAGENET_MEAN, IMAGENET_STD, _digest("dino", file_digest(weights), size), device)


def csd_vision_config(backbone: dict[str, torch.Tensor]) -> dict[str, int | float]:
    """Architecture of an OpenAI CLIP visual tower read off its weights (64-wide heads, as OpenAI's)."""
    width, _, patch, _ = backbone["conv1.weight"].shape
    layers = len({key.split(".")[2] for key in backbone if key.startswith("transformer.resblocks.")})
    grid = int(round((backbone["positional_embedding"].shape[0] - 1) ** 0.5))
    hidden = backbone["transformer.resblocks.0.mlp.c_fc.weight"].shape[0]
    return {"layers": layers, "width": width, "head_width": 64, "patch_size": patch, "image_size": patch * grid, "mlp_ratio": hidden / width}


def load_csd(device: torch.device, metric: str = "csd") -> ImageEncoder:
    from open_clip.model import CLIPVisionCfg, _build_vision_tower

    path = weights_folder("csd", metric) / "checkpoint.pth"
    checkpoint = load_state_dict(path)
    try:
        state = checkpoint.get("model_state_dict", checkpoint)
        state = {key.removeprefix("module."): value for key, value in state.items()}
        backbone = {key[len("backbone."):]: value for key, value in state.items() if key.startswith("backbone.")}
        style_projection = state["last_layer_style"].float()
        config = csd_vision_config(backbone)
        visual = _build_vision_tower(style_projection.shape[1], CLIPVisionCfg(**config), quick_gelu=True)
        missing, unexpected = visual.load_state_dict(backbone, strict=False)
        if unexpected or set(missing) != {"proj"}:
            raise ValueError(f"missing {missing}, unexpected {unexpected}")
    except (KeyError, ValueError, RuntimeError, AttributeError) as exc:
        raise RunFailure(f"{path} is not a CSD checkpoint (backbone.* of CLIP ViT-L/14 + last_layer_style): {type(exc).__name__}: {exc}") from None
    visual.proj = None  # CSD drops CLIP's projection and applies its own style head
    visual = visual.float().to(device).eval()
    style_projection = style_projection.to(device)

    def encode(batch: torch.Tensor) -> torch.Tensor:
        return F.normalize(visual(batch) @ style_projection, dim=1)

    size = int(config["image_size"])
    return ImageEncoder("csd", encode, size, size, CLIP_MEAN, CLIP_STD, _digest("csd", file_digest(path), size), device)
