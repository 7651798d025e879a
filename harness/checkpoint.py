"""Per-task resume points: safetensors for tensors, JSON beside it for the rest."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file


def _paths(directory: Path, task_index: int) -> tuple[Path, Path]:
    stem = directory / f"task{task_index:03d}"
    return stem.with_suffix(".safetensors"), stem.with_suffix(".json")


def save_checkpoint(directory: Path, task_index: int, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    tensor_path, meta_path = _paths(directory, task_index)
    shared_free = {name: tensor.detach().cpu().contiguous().clone() for name, tensor in tensors.items()}
    for final, write in ((tensor_path, lambda p: save_file(shared_free, str(p))), (meta_path, lambda p: p.write_text(json.dumps(meta, sort_keys=True)))):
        temporary = final.with_name(f".{final.name}.tmp")
        write(temporary)
        os.replace(temporary, final)


def load_checkpoint(directory: Path, task_index: int) -> tuple[dict[str, torch.Tensor], dict[str, Any]] | None:
    tensor_path, meta_path = _paths(directory, task_index)
    if not (tensor_path.is_file() and meta_path.is_file()):
        return None
    return load_file(str(tensor_path)), json.loads(meta_path.read_text())


def prune_checkpoints(directory: Path, keep: int) -> None:
    """Delete every checkpoint but the one for task `keep`."""
    for path in directory.glob("task*"):
        if path.stem != f"task{keep:03d}":
            path.unlink(missing_ok=True)
