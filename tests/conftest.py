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


TINY_CLS_BENCH = {
    "name": "tiny-digits-cls",
    "version": 1,
    "track": "class-cls",
    "description": "two tiny class-incremental classification tasks of real digits for tests",
    "data": {"source": "sklearn-digits", "split_seed": 0, "test_fraction": 0.25, "class_order": "coda"},
    "tasks": [[0, 1], [2, 3]],
    "backbone": {
        "name": "vit",
        "arch": {"patch_size": 4, "embed_dim": 104, "depth": 5, "num_heads": 2, "mlp_ratio": 1.0},
        "pretrain": {"classes": [0, 1], "steps": 3, "batch_size": 8, "lr": 0.001, "seed": 0},
    },
    "metrics": ["accuracy"],
    "headline": ["accuracy"],
    "min_seeds": 2,
    "profiles": {
        "default": {"steps_per_task": 0, "epochs": 1, "batch_size": 64, "lr": 0.001, "eval_samples_per_class": 0, "sampling_steps": 0},
        "smoke": {"steps_per_task": 0, "epochs": 1, "batch_size": 64, "lr": 0.001, "eval_samples_per_class": 0, "sampling_steps": 0},
    },
}


@pytest.fixture
def tiny_cls_bench(tmp_path: Path) -> Path:
    path = tmp_path / "tiny-digits-cls.yaml"
    path.write_text(yaml.safe_dump(TINY_CLS_BENCH, sort_keys=False))
    return path
