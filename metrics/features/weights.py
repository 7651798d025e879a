"""Where the feature extractors' weights live under HARNESS_WEIGHTS, and the one error line
that says what to put where when they are absent. Nothing is ever downloaded at run time."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch

from core.errors import RunFailure


@dataclass(frozen=True)
class WeightsLayout:
    folder: str                  # under HARNESS_WEIGHTS
    files: tuple[tuple[str, ...], ...]  # each entry: acceptable alternatives for one file
    source: str                  # where the user gets them

    def describe(self) -> str:
        return ", ".join(" or ".join(choices) for choices in self.files)


LAYOUTS = {
    "clip": WeightsLayout(
        "clip-vit-base-patch32", (("config.json",), ("model.safetensors", "pytorch_model.bin")),
        "the Hugging Face folder openai/clip-vit-base-patch32 (the LoRA-merging study's eval/constants.py)",
    ),
    "dino": WeightsLayout(
        "dino-vits16", (("config.json",), ("model.safetensors", "pytorch_model.bin")),
        "the Hugging Face folder facebook/dino-vits16 (the LoRA-merging study's eval/constants.py)",
    ),
    "csd": WeightsLayout(
        "csd", (("checkpoint.pth",),),
        "the CSD authors' ViT-L/14 checkpoint (learn2phoenix/CSD, Google Drive id 1FX0xs8p-C7Ob-h5Y4cUhTeOepHzXv_46; the study's res/csd_checkpoint.pth)",
    ),
}


def weights_folder(kind: str, metric: str) -> Path:
    """The extractor's folder, or one RunFailure line naming every missing file and its source."""
    layout = LAYOUTS[kind]
    root = os.environ.get("HARNESS_WEIGHTS")
    folder = Path(root) / layout.folder if root else None
    missing = [] if folder is None else [choices for choices in layout.files if not any((folder / name).is_file() for name in choices)]
    if folder is None or missing:
        where = str(folder) if folder else f"HARNESS_WEIGHTS (unset)/{layout.folder}"
        wanted = ", ".join(" or ".join(choices) for choices in (missing or layout.files))
        raise RunFailure(f"weights for metric {metric} not found: put {wanted} of {layout.source} in {where}, or drop {metric} from the bench")
    return folder


def first_present(folder: Path, choices: tuple[str, ...]) -> Path:
    return next(folder / name for name in choices if (folder / name).is_file())


def read_config(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / "config.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise RunFailure(f"cannot read {folder / 'config.json'}: {exc}; replace it with the published file") from None


def load_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """safetensors, or a torch file read with weights_only=True (never an arbitrary pickle)."""
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        import argparse

        with torch.serialization.safe_globals([argparse.Namespace]):  # CSD's checkpoint keeps its training args
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user-facing problem
        raise RunFailure(f"cannot read weights {path}: {type(exc).__name__}: {exc}; replace the file with the published one") from None


@lru_cache(maxsize=None)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes (memoized per process by path, size and mtime)."""
    stat = path.stat()
    return _file_digest(str(path), stat.st_size, stat.st_mtime_ns)
