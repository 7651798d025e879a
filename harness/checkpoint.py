"""Per-task resume points: safetensors for tensors, JSON beside it for the rest.

Each file is written to a unique temp name, fsynced, renamed, and the folder fsynced, so a
crash leaves the old checkpoint or the new one. `save_checkpoint` returns the sha256 of the
tensor file; the run record keeps it and `load_verified` refuses a file that does not match
(bit flip, truncation) with one line naming it. The last two checkpoints are kept, so a bad
last one falls back to the one before.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import torch
from safetensors.torch import load as load_bytes
from safetensors.torch import save_file

from core.task_names import task_name
from harness.file_modes import apply_umask

KEEP = 2


class BadCheckpoint(Exception):
    """A checkpoint that is missing, does not match its recorded hash, or does not parse."""


def checkpoint_paths(directory: Path, task_index: int) -> tuple[Path, Path]:
    stem = Path(directory) / task_name(task_index, digits=3)
    return stem.with_suffix(".safetensors"), stem.with_suffix(".json")


def _atomic_write(final: Path, write: Callable[[Path], None]) -> None:
    handle, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        os.close(handle)
        write(temporary)
        with open(temporary, "rb+") as stream:
            apply_umask(stream.fileno())
            os.fsync(stream.fileno())
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _fsync_folder(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_checkpoint(directory: Path, task_index: int, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> str:
    """Write task `task_index`'s checkpoint durably; returns the sha256 of its tensor file."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensor_path, meta_path = checkpoint_paths(directory, task_index)
    shared_free = {name: tensor.detach().cpu().contiguous().clone() for name, tensor in tensors.items()}
    _atomic_write(tensor_path, lambda p: save_file(shared_free, str(p)))
    _atomic_write(meta_path, lambda p: p.write_text(json.dumps(meta, sort_keys=True)))
    _fsync_folder(directory)
    return sha256_of(tensor_path)


def load_verified(directory: Path, task_index: int, expected_sha256: str | None) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Task `task_index`'s checkpoint, checked against its recorded hash; raises BadCheckpoint
    with a line naming the file. A record from before hashes were kept (None) is not checked."""
    tensor_path, meta_path = checkpoint_paths(directory, task_index)
    for path in (tensor_path, meta_path):
        if not path.is_file():
            raise BadCheckpoint(f"checkpoint {path} is missing")
    blob = tensor_path.read_bytes()
    actual = hashlib.sha256(blob).hexdigest()
    if expected_sha256 is not None and actual != expected_sha256:
        raise BadCheckpoint(f"checkpoint {tensor_path} is corrupt: its sha256 {actual[:12]}... is not the recorded {expected_sha256[:12]}...")
    try:
        tensors = load_bytes(blob)
    except Exception as exc:  # noqa: BLE001 - safetensors raises its own error types for bad bytes
        raise BadCheckpoint(f"checkpoint {tensor_path} does not load ({type(exc).__name__}: {exc})") from None
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadCheckpoint(f"checkpoint metadata {meta_path} is corrupt ({exc})") from None
    if not isinstance(meta, dict) or meta.get("task") != task_index:
        raise BadCheckpoint(f"checkpoint metadata {meta_path} does not describe task {task_index}")
    return tensors, meta


def load_checkpoint(directory: Path, task_index: int) -> tuple[dict[str, torch.Tensor], dict[str, Any]] | None:
    """Unverified load (None when absent or unreadable), for callers without a recorded hash."""
    try:
        return load_verified(directory, task_index, None)
    except BadCheckpoint:
        return None


def prune_checkpoints(directory: Path, keep: int) -> None:
    """Delete every checkpoint but those of tasks `keep - KEEP + 1 .. keep` (the fallbacks)."""
    kept = {task_name(index, digits=3) for index in range(keep - KEEP + 1, keep + 1)}
    for path in Path(directory).glob("task*"):
        if path.stem not in kept:
            path.unlink(missing_ok=True)
