"""Embedded text-to-image concept sequences built from scikit-learn's real digits.

`digits-concepts`: each task teaches one digit the base model never saw (5..9) as a new
custom token from a few dozen training images. `digits-styles`: each task teaches a style
token (a scipy.ndimage transform) from a few styled base digits. Both come with the images
the base model is pretrained on (base classes, their prompts) and the real reference images
each concept is scored against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from scipy import ndimage

from benchmarks.data._source import LabeledImages
from benchmarks.data.digits import load_sklearn_digits
from core.errors import UsageError
from core.seeding import numpy_rng
from core.typed_options import Count, Fraction, Seed

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _unit(images: np.ndarray) -> np.ndarray:
    return (images + 1.0) / 2.0


def _thicken(image: np.ndarray) -> np.ndarray:
    return ndimage.grey_dilation(image, size=(2, 2))


def _thin(image: np.ndarray) -> np.ndarray:
    return ndimage.grey_erosion(image, size=(1, 2))


def _rotate(image: np.ndarray) -> np.ndarray:
    return ndimage.rotate(image, 35.0, reshape=False, order=1, mode="constant", cval=0.0)


def _shear(image: np.ndarray) -> np.ndarray:
    center = (np.array(image.shape) - 1) / 2.0
    matrix = np.array([[1.0, 0.0], [0.5, 1.0]])
    return ndimage.affine_transform(image, matrix, offset=center - matrix @ center, order=1, mode="constant", cval=0.0)


def _invert(image: np.ndarray) -> np.ndarray:
    return 1.0 - image


STYLES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "thicken": _thicken, "thin": _thin, "rotate": _rotate, "shear": _shear, "invert": _invert,
}


def apply_style(images: torch.Tensor, style: str) -> torch.Tensor:
    """Images (N, 1, H, W) in [-1, 1] with a named style applied, still in [-1, 1]."""
    if style not in STYLES:
        raise UsageError(f"unknown digit style {style!r}: choose from {', '.join(STYLES)}")
    unit = _unit(images.numpy()[:, 0])
    styled = np.stack([np.clip(STYLES[style](image), 0.0, 1.0) for image in unit])
    return torch.from_numpy((styled * 2.0 - 1.0).astype(np.float32)).unsqueeze(1)


@dataclass(frozen=True)
class ConceptTask:
    """One concept: its token, training images with their prompts, and how it is evaluated.

    `eval_prompts[k]` gets `samples_per_prompt` samples; `eval_targets[k]` is what the bench's
    judge should say of them and `eval_content[k]` the digit they should show (styles)."""

    index: int
    token: str
    label: str
    train_images: torch.Tensor
    train_prompts: tuple[str, ...]
    eval_prompts: tuple[str, ...]
    eval_targets: tuple[int, ...]
    eval_content: tuple[int, ...]
    reference_images: torch.Tensor

    @property
    def name(self) -> str:
        return f"{self.label} as {self.token}"


@dataclass(frozen=True)
class ConceptBench:
    """Base-model data (digits of the base classes), the concept tasks, and the judges' data."""

    digits: LabeledImages
    base_classes: tuple[int, ...]
    tasks: list[ConceptTask]
    class_prompt: str
    style_judge_data: tuple[torch.Tensor, torch.Tensor] | None  # styled base digits and style ids (0 = plain)


def _pick(rng: np.random.Generator, indices: np.ndarray, count: int) -> np.ndarray:
    if count > indices.size:
        raise UsageError(f"a concept asks for {count} training images but only {indices.size} exist")
    return np.sort(rng.choice(indices, count, replace=False))


def load_digit_concepts(tasks: tuple[tuple[int, ...], ...], split_seed: Seed = 0, test_fraction: Fraction = 0.25, base_classes: tuple[int, ...] = (0, 1, 2, 3, 4),
                        images_per_concept: Count = 30, selection_seed: Seed = 0, prompt: str = "a photo of {token}",
                        class_prompt: str = "a photo of a digit", token_format: str = "<c{index}>") -> ConceptBench:
    digits = load_sklearn_digits(split_seed=split_seed, test_fraction=test_fraction)
    concept_tasks = []
    for index, group in enumerate(tasks):
        if len(group) != 1 or group[0] in base_classes or not 0 <= group[0] <= 9:
            raise UsageError(f"digits-concepts task {index} must name one digit outside the base classes {list(base_classes)}, got {list(group)}")
        digit = group[0]
        token = token_format.format(index=digit)
        chosen = _pick(numpy_rng(selection_seed, "concept", digit), np.flatnonzero(digits.train_y.numpy() == digit), images_per_concept)
        concept_tasks.append(ConceptTask(
            index=index, token=token, label=f"digit {digit}", train_images=digits.train_x[chosen],
            train_prompts=(prompt.format(token=token),) * len(chosen), eval_prompts=(prompt.format(token=token),),
            eval_targets=(digit,), eval_content=(digit,), reference_images=digits.test_x[digits.test_y == digit],
        ))
    return ConceptBench(digits, tuple(base_classes), concept_tasks, class_prompt, None)


def load_digit_styles(tasks: tuple[tuple[int, ...], ...], split_seed: Seed = 0, test_fraction: Fraction = 0.25, base_classes: tuple[int, ...] = (0, 1, 2, 3, 4),
                      images_per_concept: Count = 30, selection_seed: Seed = 0, styles: tuple[str, ...] = tuple(STYLES),
                      prompt: str = "a photo of digit {digit} in style {token}", class_prompt: str = "a photo of a digit",
                      token_format: str = "<s{index}>") -> ConceptBench:
    digits = load_sklearn_digits(split_seed=split_seed, test_fraction=test_fraction)
    base = torch.isin(digits.train_y, torch.tensor(base_classes))
    base_test = torch.isin(digits.test_y, torch.tensor(base_classes))
    concept_tasks = []
    for index, group in enumerate(tasks):
        if len(group) != 1 or not 0 <= group[0] < len(styles):
            raise UsageError(f"digits-styles task {index} must name one style index 0..{len(styles) - 1}, got {list(group)}")
        style_id = group[0]
        style, token = styles[style_id], token_format.format(index=style_id)
        chosen = _pick(numpy_rng(selection_seed, "style", style), np.flatnonzero(base.numpy()), images_per_concept)
        words = [DIGIT_WORDS[int(d)] for d in digits.train_y[chosen]]
        concept_tasks.append(ConceptTask(
            index=index, token=token, label=f"style {style}", train_images=apply_style(digits.train_x[chosen], style),
            train_prompts=tuple(prompt.format(digit=w, token=token) for w in words),
            eval_prompts=tuple(prompt.format(digit=DIGIT_WORDS[d], token=token) for d in base_classes),
            eval_targets=(style_id + 1,) * len(base_classes), eval_content=tuple(base_classes),
            reference_images=apply_style(digits.test_x[base_test], style),
        ))
    plain = digits.train_x[base]
    judge_x = torch.cat([plain] + [apply_style(plain, style) for style in styles])
    judge_y = torch.arange(len(styles) + 1).repeat_interleave(plain.shape[0])
    return ConceptBench(digits, tuple(base_classes), concept_tasks, class_prompt, (judge_x, judge_y))
