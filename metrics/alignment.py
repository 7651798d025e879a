"""Alignment scores on fixed features: pure functions the t2i metrics are built from."""

from __future__ import annotations

import numpy as np

CLIPSCORE_WEIGHT = 2.5  # Hessel et al. (2021): CLIP-S = w * max(cos(image, text), 0), w = 2.5


def _unit_rows(features: np.ndarray) -> np.ndarray:
    features = np.asarray(features, dtype=np.float64)
    return features / np.linalg.norm(features, axis=1, keepdims=True)


def mean_cosine_to_references(generated: np.ndarray, references: np.ndarray) -> float:
    """Mean over generated images of their mean cosine to every reference image (the LoRA-merging
    study's `eval/metrics.py` CLIP-I, DINO and CSD: cosine matrix, mean over references, then over
    generated)."""
    return float((_unit_rows(generated) @ _unit_rows(references).T).mean(axis=1).mean())


def clip_score(image_features: np.ndarray, text_features: np.ndarray, weight: float = CLIPSCORE_WEIGHT) -> float:
    """Mean CLIPScore of images against their prompt(s): one text row for all images, or one per image."""
    images, texts = _unit_rows(image_features), _unit_rows(text_features)
    if texts.shape[0] == 1:
        texts = np.broadcast_to(texts, images.shape)
    if texts.shape != images.shape:
        raise ValueError(f"clip_score needs one text feature or one per image, got {texts.shape[0]} for {images.shape[0]} images")
    cosines = (images * texts).sum(axis=1)
    return float((weight * np.maximum(cosines, 0.0)).mean())
