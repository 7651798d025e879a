"""Facts about where a run happened, stored in every record."""

from __future__ import annotations

import importlib.metadata
import platform
import re
import subprocess
from pathlib import Path

import torch

from core.errors import UsageError
from core.plugins import installed as installed_plugins
from harness import __version__

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("torch", "diffusers", "numpy", "scipy", "scikit-learn", "safetensors")


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda:{torch.cuda.get_device_name(device)}"
    return f"cpu:{platform.processor() or platform.machine()}:{torch.get_num_threads()}threads"


def describe(device: torch.device) -> dict[str, object]:
    """The run's environment; `threads` is torch's intra-op thread count (what CPU timings depend on); `plugins` (distribution -> version) only where harness plugins are installed."""
    plugins = installed_plugins()
    return {
        "harness_version": __version__,
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "device": device_name(device),
        "threads": torch.get_num_threads(),
        **({"plugins": plugins} if plugins else {}),
    }


def pick_device(requested: str) -> torch.device:
    """cpu, cuda, cuda:N or auto; a device this machine lacks is one UsageError line."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cpu":
        return torch.device("cpu")
    match = re.fullmatch(r"cuda(?::(\d{1,3}))?", requested)
    if match is None:
        raise UsageError(f"--device {requested!r} is not one of cpu, cuda, cuda:N, auto")
    if not torch.cuda.is_available():
        raise UsageError(f"--device {requested}: no CUDA GPU is visible to torch here; use --device cpu (or auto)")
    index = int(match.group(1) or 0)
    if index >= torch.cuda.device_count():
        raise UsageError(f"--device {requested}: this machine has {torch.cuda.device_count()} CUDA device(s), numbered from 0")
    return torch.device(requested)
