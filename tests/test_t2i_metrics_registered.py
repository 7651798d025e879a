"""The registered t2i feature metrics on one concept evaluation: each equals its pure function on
the extractors' features; prerequisites fail before any work."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image

from core.errors import RunFailure
from metrics import METRICS, alignment, kernel_mmd
from metrics.distances import kernel_distance
from metrics.features.extractors import load_clip, load_csd, load_dino
from metrics.features.images import read_images, samples_to_uint8
from tests.t2i_weights import write_tiny_extractors

CPU = torch.device("cpu")
T2I = ("clip_i", "clip_t", "dino", "csd", "mmd_clip", "kid")


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_extractors(tmp_path_factory.mktemp("weights"))


@pytest.fixture
def references(tmp_path: Path) -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for index in range(5):
        paths.append(tmp_path / f"ref{index}.jpg")
        Image.fromarray(rng.integers(0, 256, (40, 52, 3), dtype=np.uint8)).save(paths[-1])
    return paths


def _evaluation(references: list[Path], seed: int = 0) -> SimpleNamespace:
    samples = torch.rand(6, 3, 32, 32, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    return SimpleNamespace(
        samples=samples, reference_paths=references, alignment_prompt="a face",
        cache={}, device=CPU, numpy_rng=lambda purpose: np.random.default_rng(7),
    )


def test_t2i_metrics_are_registered_with_direction() -> None:
    for name in T2I:
        metric = METRICS.get(name)
        assert metric.track == "t2i" and metric.description and metric.check_ready is not None
    assert [METRICS.get(name).higher_is_better for name in T2I] == [True, True, True, True, False, False]


def test_each_metric_equals_its_pure_function_on_the_features(weights: Path, references: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_WEIGHTS", str(weights))
    evaluation = _evaluation(references)
    images, real = samples_to_uint8(evaluation.samples), read_images(references)
    clip, dino, csd = load_clip(CPU), load_dino(CPU), load_csd(CPU)
    assert METRICS.get("clip_i").compute(evaluation) == pytest.approx(alignment.mean_cosine_to_references(clip.image(images), clip.image(real)), abs=1e-9)
    assert METRICS.get("dino").compute(evaluation) == pytest.approx(alignment.mean_cosine_to_references(dino(images), dino(real)), abs=1e-9)
    assert METRICS.get("csd").compute(evaluation) == pytest.approx(alignment.mean_cosine_to_references(csd(images), csd(real)), abs=1e-9)
    assert METRICS.get("clip_t").compute(evaluation) == pytest.approx(alignment.clip_score(clip.image(images), clip.encode_text(["a face"])), abs=1e-9)
    assert METRICS.get("mmd_clip").compute(evaluation) == pytest.approx(kernel_mmd.mmd_on_clora_scale(clip.image(images), clip.image(real)), rel=1e-9)


def test_kid_uses_clean_fid_inception_features_and_the_evaluation_rng(weights: Path, references: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from metrics.inception import inception_features, load_inception
    from metrics.t2i_features import _inception_reference

    monkeypatch.setenv("HARNESS_WEIGHTS", str(weights))
    evaluation = _evaluation(references)
    model = load_inception(CPU)
    expected = kernel_distance(inception_features(model, evaluation.samples), _inception_reference(model, read_images(references)), num_subsets=100, rng=np.random.default_rng(7))
    assert METRICS.get("kid").compute(evaluation) == pytest.approx(expected, rel=1e-9)


def test_check_ready_names_the_missing_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_WEIGHTS", str(tmp_path))
    for name in T2I:
        with pytest.raises(RunFailure, match=str(tmp_path)):
            METRICS.get(name).check_ready()
