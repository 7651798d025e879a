"""One writer per run: an exclusive fcntl lock on a file beside the record, held for the whole run.

The lock file (`<record stem>.lock`) holds "pid host" of its holder. The kernel releases the
lock when its holder dies (kill -9 included), so a later run takes a stale lock over; the
takeover is announced with the dead holder's pid and host. A second live run on the same key
fails at once with "run ... is in progress (pid N on host H)". While holding the lock, the
temp files that dead writers of this run left behind (record and checkpoint temps) are removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from pathlib import Path
from typing import Callable, Iterator

from core.errors import HarnessError


class RunInProgress(HarnessError):
    """Another live process holds this run's lock: exit 3."""

    exit_code = 3


def lock_path(record_path: Path) -> Path:
    return record_path.with_suffix(".lock")


def _holder(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 200).decode(errors="replace").split()
    return f"pid {text[0]} on host {text[1]}" if len(text) >= 2 else "an unknown process"


def _stale_temps(record_path: Path, checkpoint_dir: Path) -> list[Path]:
    temps = list(record_path.parent.glob(f".{record_path.name}.*.tmp"))
    if checkpoint_dir.is_dir():
        temps += [path for path in checkpoint_dir.glob(".*") if path.name.endswith(".tmp")]
    return temps


@contextlib.contextmanager
def hold_run_lock(record_path: Path, checkpoint_dir: Path, echo: Callable[[str], None]) -> Iterator[None]:
    """Hold the run's lock for the `with` body; raises RunInProgress if a live process holds it."""
    path = lock_path(record_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise RunInProgress(f"run {record_path.stem} is in progress ({holder}); lock file {path}") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a lock file that its holder unlinked while we waited to open it
            break
        os.close(fd)
    try:
        previous = _holder(fd)
        if previous != "an unknown process":
            echo(f"taking over the stale lock of {previous} (no longer running) on {record_path.stem}")
        for temp in _stale_temps(record_path, checkpoint_dir):
            temp.unlink(missing_ok=True)
            echo(f"removed {temp}, a temp file left by a writer that died")
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # while still locked: a waiter that opened this inode re-checks it above
        os.close(fd)
