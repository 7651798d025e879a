"""Shared fixtures: a tiny bench (real digits, tiny UNet, a few steps) and an isolated cache."""

from __future__ import annotations

import dataclasses
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


def complete_record(run) -> dict:
    """A valid complete record (constant scores) for a `harness.runner.PreparedRun`."""
    size = run.bench.num_tasks
    matrix = [[0.5 if i <= t else None for i in range(size)] for t in range(size)]
    return {
        "schema_version": 1, "status": "complete", "error": None, "run_key": run.record_path.stem,
        "bench": {"name": run.bench.name, "version": run.bench.version, "spec_hash": run.bench.spec_hash, "profile": run.spec.profile,
                  "track": run.bench.track, "tasks": [f"task {i}" for i in range(size)], "headline": ["judge_accuracy"], "min_seeds": 1},
        "method": {"name": run.spec.method, "hparams": dataclasses.asdict(run.hparams), "hparams_hash": run.hparams_hash},
        "seed": run.spec.seed, "environment": {"harness_version": "test"}, "tasks_done": size,
        "metrics": {"judge_accuracy": {"higher_is_better": True, "description": "d", "matrix": matrix}}, "summary": {},
    }


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


def write_t2i_bench(directory: Path, **changes: object) -> Path:
    spec = {**TINY_T2I_BENCH, **changes}
    path = directory / f"{spec['name']}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture
def tiny_benches(tmp_path: Path) -> dict[str, Path]:
    """A tiny bench per track, for tests generated from the method registry."""
    return {"class-gen": write_bench(tmp_path), "t2i": write_t2i_bench(tmp_path)}


@pytest.fixture
def tiny_cls_bench(tmp_path: Path) -> Path:
    path = tmp_path / "tiny-digits-cls.yaml"
    path.write_text(yaml.safe_dump(TINY_CLS_BENCH, sort_keys=False))
    return path
