"""Where results go, and the checks that turn a bad folder argument into one clear line.

Published records (committed, read by the leaderboard) live in `results/runs/<bench>/`; a
user's own runs go to a separate, git-ignored folder so they never mix with them.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import UsageError

PUBLISHED_RESULTS = Path("results")
USER_RESULTS = Path("my-results")
USER_RESULTS_ENV = "HARNESS_RESULTS"


def user_results_default() -> Path:
    """`harness run` / `sweep` / `reproduce` write here unless --results says otherwise."""
    return Path(os.environ.get(USER_RESULTS_ENV) or USER_RESULTS)


def writable_folder(path: Path, flag: str) -> Path:
    """`path` as an existing, writable folder (created if absent), else one UsageError line."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{flag} {path} is a file, not a folder: give a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{flag} {path} cannot be created: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path} is not writable: give a folder you can write to")
    return path


def readable_folder(path: Path, flag: str) -> Path:
    path = Path(path)
    if not path.is_dir():
        raise UsageError(f"{flag} {path}: no such folder")
    return path
