"""Small hand-made valid run records (schema v1) for leaderboard tests."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from harness.hparams import hparams_hash as hparams_hash_of
from harness.record import SCHEMA_VERSION, record_path, write_record
from metrics.continual import summarize

Matrix = list[list[Optional[float]]]
DEFAULT_HPARAMS = {"lr_scale": 1.0}
ER_HPARAMS = {"buffer_per_task": 50}
H0, E1 = hparams_hash_of(DEFAULT_HPARAMS), hparams_hash_of(ER_HPARAMS)  # the toy rows' hparams hashes


def lower_triangle(values: list[list[float]]) -> Matrix:
    size = len(values)
    return [[values[t][i] if i <= t else None for i in range(size)] for t in range(size)]


def make_record(results: Path, method: str, seed: int, accuracy: list[list[float]], fd: list[list[float]], *,
                bench: str = "toy-bench", version: int = 1, spec_hash: str = "0123456789abcdef", profile: str = "default",
                hparams: Optional[dict] = None, min_seeds: int = 2, status: str = "complete",
                samples: Optional[str] = None, train_s: Optional[float] = None, device: Optional[str] = None) -> Path:
    """`train_s` gives the record a timing block (that many training seconds per task, a tenth of it evaluating)."""
    hparams = hparams or dict(DEFAULT_HPARAMS)
    hparams_hash = hparams_hash_of(hparams)
    matrices = {
        "judge_accuracy": {"higher_is_better": True, "description": "judge accuracy on samples", "matrix": lower_triangle(accuracy)},
        "judge_fd": {"higher_is_better": False, "description": "Frechet distance in judge features", "matrix": lower_triangle(fd)},
    }
    record = {
        "schema_version": SCHEMA_VERSION, "status": status, "error": None,
        "run_key": f"{method}-{hparams_hash}-{profile}-seed{seed}",
        "bench": {"name": bench, "version": version, "spec_hash": spec_hash, "profile": profile, "track": "class-gen",
                  "tasks": [f"{2 * i}-{2 * i + 1}" for i in range(len(accuracy))], "headline": ["judge_accuracy", "judge_fd"],
                  "min_seeds": min_seeds},
        "method": {"name": method, "hparams": hparams, "hparams_hash": hparams_hash},
        "seed": seed, "environment": {"harness_version": "0.1.0"}, "tasks_done": len(accuracy),
        "metrics": matrices,
        "summary": {name: summarize(e["matrix"], e["higher_is_better"]) for name, e in matrices.items()} if status == "complete" else None,
    }
    if samples is not None:
        record["samples"] = samples
    if device is not None:
        record["environment"]["device"] = device
    if train_s is not None:
        record["timing"] = {"setup_s": 0.0, "total_s": 1.1 * train_s * len(accuracy),
                            "per_task": [{"train_s": train_s, "eval_s": train_s / 10, "checkpoint_s": 0.0} for _ in accuracy]}
    path = record_path(results, bench, method, hparams_hash, profile, seed)
    if version != 1:
        path = path.with_name(f"v{version}-{path.name}")
    write_record(path, record)
    return path


def toy_results(results: Path) -> None:
    """Two methods on a 3-task toy bench: finetune forgets, er less so; er has one seed only."""
    make_record(results, "finetune", 0, [[0.9, 0, 0], [0.2, 0.8, 0], [0.1, 0.3, 0.9]], [[5, 0, 0], [40, 6, 0], [50, 30, 4]],
                train_s=2.0, device="cpu:x86_64:2threads")
    make_record(results, "finetune", 1, [[0.8, 0, 0], [0.3, 0.9, 0], [0.2, 0.2, 0.8]], [[6, 0, 0], [35, 5, 0], [45, 33, 5]],
                train_s=2.5, device="cpu:x86_64:2threads")
    make_record(results, "er", 0, [[0.9, 0, 0], [0.7, 0.8, 0], [0.6, 0.7, 0.8]], [[5, 0, 0], [10, 6, 0], [12, 9, 5]],
                hparams=ER_HPARAMS, train_s=3.0, device="cpu:x86_64:2threads")
