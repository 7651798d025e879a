"""Inception FID and KID (clean-fid's definitions) of a task's samples against its held-out
real test images.

Features come from clean-fid's torchscript Inception-v3 (`inception-2015-12-05.pt`, pool3, 2048-d),
read from HARNESS_WEIGHTS and never downloaded. Images go through clean-fid's "clean" path:
quantized to 8 bits, grey replicated to RGB, resized to 299x299 with PIL bicubic on floats.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
import numpy as np
import torch

from core.errors import RunFailure
from metrics._registry import register_metric
from metrics.distances import frechet_distance_of_features, kernel_distance, small_sample_warning
from metrics.inputs import ClassGenInput


INCEPTION_FILE = "inception-2015-12-05.pt"
INCEPTION_URL = "https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/pretrained/metrics/inception-2015-12-05.pt"


def inception_weights_path() -> Path:
    """The weights file; refuses (one line, before any training) when clean-fid or the file is missing."""
    if importlib.util.find_spec("cleanfid") is None:
        raise RunFailure("inception_fid/inception_kid need the clean-fid package: pip install 'clean-fid>=0.1.35' (a runtime dependency)")
    root = os.environ.get("HARNESS_WEIGHTS")
    path = Path(root) / INCEPTION_FILE if root else None
    if path is None or not path.is_file():
        where = f"{path}" if path else "HARNESS_WEIGHTS (unset)"
        raise RunFailure(
            f"Inception weights for inception_fid/inception_kid not found at {where}: download {INCEPTION_URL} "
            f"once and put it at $HARNESS_WEIGHTS/{INCEPTION_FILE}, or drop these metrics from the bench"
        )
    return path


def load_inception(device: torch.device) -> torch.nn.Module:
    from cleanfid.inception_torchscript import InceptionV3W

    path = inception_weights_path()
    return InceptionV3W(str(path.parent), download=False, resize_inside=False).to(device).eval()


def clean_resize(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] images (N, C, H, W) -> (N, 3, 299, 299) floats in [0, 255], as clean-fid prepares files."""
    from cleanfid.resize import build_resizer

    resize = build_resizer("clean")
    pixels = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    if pixels.shape[1] == 1:
        pixels = pixels.repeat(1, 3, 1, 1)
    resized = [resize(image.permute(1, 2, 0).numpy()) for image in pixels]
    return torch.from_numpy(np.stack(resized)).permute(0, 3, 1, 2).float()


@torch.no_grad()
def inception_features(model: torch.nn.Module, images: torch.Tensor, batch_size: int = 64) -> np.ndarray:
    device = next(model.parameters(), torch.empty(0)).device
    features = [model(clean_resize(images[start : start + batch_size]).to(device)).cpu() for start in range(0, images.shape[0], batch_size)]
    return torch.cat(features).double().numpy()


def _features(evaluation: ClassGenInput) -> tuple[np.ndarray, np.ndarray]:
    cache = evaluation.cache
    if "inception" not in cache:
        cache["inception"] = load_inception(evaluation.backbone.device)
    model = cache["inception"]
    key = ("inception-real", evaluation.task.index)
    if key not in cache:
        cache[key] = inception_features(model, evaluation.task.test_x)
    if "inception" not in evaluation.memo:  # shared by FID and KID of this view
        evaluation.memo["inception"] = inception_features(model, evaluation.samples)
    return evaluation.memo["inception"], cache[key]


@register_metric("inception_fid", "class-gen", False, "FID in clean-fid's Inception-v3 feature space, samples vs held-out real test images", inception_weights_path)
def inception_fid(evaluation: ClassGenInput) -> float:
    samples, real = _features(evaluation)
    warning = small_sample_warning(samples, real)
    if warning:
        evaluation.details["inception_fid"] = {"warning": warning}
    return frechet_distance_of_features(samples, real)


@register_metric("inception_kid", "class-gen", False, "KID in clean-fid's Inception-v3 feature space, samples vs held-out real test images", inception_weights_path)
def inception_kid(evaluation: ClassGenInput) -> float:
    samples, real = _features(evaluation)
    return kernel_distance(samples, real, num_subsets=100, rng=evaluation.numpy_rng("inception-kid"))
