"""Shared fixtures: a tiny bench (real digits, tiny UNet, a few steps) and an isolated cache."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

TINY_BENCH = {
    "name": "tiny-digits",
    "version": 1,
    "track": "class-gen",
    "description": "two tiny tasks of real digits for tests",
    "data": {"source": "sklearn-digits", "split_seed": 0, "test_fraction": 0.25},
    "tasks": [[0, 1], [2, 3]],
    "backbone": {"name": "ddpm-unet", "block_out_channels": [8, 16], "layers_per_block": 1, "norm_num_groups": 4, "num_train_timesteps": 100},
    "judge": {"width": 8, "feature_dim": 16, "steps": 40, "batch_size": 64, "lr": 0.003, "seed": 0},
    "metrics": ["judge_accuracy", "classifier_uncertainty", "judge_fd", "judge_kid"],
    "headline": ["judge_accuracy"],
    "min_seeds": 2,
    "profiles": {
        "default": {"steps_per_task": 4, "batch_size": 16, "lr": 0.002, "eval_samples_per_class": 6, "sampling_steps": 3},
        "smoke": {"steps_per_task": 2, "batch_size": 8, "lr": 0.002, "eval_samples_per_class": 4, "sampling_steps": 2},
    },
}


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    import os

    os.environ["HARNESS_CACHE"] = str(tmp_path_factory.mktemp("harness-cache"))


def write_bench(directory: Path, **changes: object) -> Path:
    """A tiny bench YAML in `directory`, with top-level keys replaced by `changes`."""
    spec = {**TINY_BENCH, **changes}
    path = directory / f"{spec['name']}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture
def tiny_bench(tmp_path: Path) -> Path:
    return write_bench(tmp_path)


TINY_T2I_BENCH = {
    "name": "tiny-concepts",
    "version": 1,
    "track": "t2i",
    "description": "two tiny concept tasks on a tiny text-to-image model for tests",
    "data": {"source": "digit-concepts", "split_seed": 0, "test_fraction": 0.25, "base_classes": [0, 1, 2, 3, 4], "images_per_concept": 6,
             "selection_seed": 0, "prompt": "a photo of {token}", "class_prompt": "a photo of a digit", "guidance_scale": 1.0,
             "regularization_images": 4, "regularization_steps": 2},
    "tasks": [[5], [6]],
    "backbone": {"name": "tiny-t2i", "pretrain_steps": 3, "text_hidden_size": 32, "block_out_channels": [8], "norm_num_groups": 4, "attention_head_dim": 4},
    "judge": {"width": 8, "feature_dim": 16, "steps": 40, "batch_size": 64, "lr": 0.003, "seed": 0},
    "metrics": ["concept_accuracy", "drift_mmd", "base_retention", "concept_mmd", "concept_fd", "concept_kid"],
    "headline": ["concept_accuracy"],
    "min_seeds": 2,
    "profiles": {
        "default": {"steps_per_task": 3, "batch_size": 4, "lr": 0.001, "eval_samples_per_class": 3, "sampling_steps": 2},
        "smoke": {"steps_per_task": 2, "batch_size": 4, "lr": 0.001, "eval_samples_per_class": 3, "sampling_steps": 2},
    },
}


def write_t2i_bench(directory: Path, **changes: object) -> Path:
    spec = {**TINY_T2I_BENCH, **changes}
    path = directory / f"{spec['name']}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture
def tiny_benches(tmp_path: Path) -> dict[str, Path]:
    """A tiny bench per track, for tests generated from the method registry."""
    return {"class-gen": write_bench(tmp_path), "t2i": write_t2i_bench(tmp_path)}
