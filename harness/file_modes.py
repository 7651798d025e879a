"""Files the harness creates get the user's umask, like any file `open` creates.

`tempfile.mkstemp` makes private (0600) files; records and checkpoints written through a temp
file and a rename would then be unreadable by the group on a shared results folder.
"""

from __future__ import annotations

import os
import threading

_LOCK = threading.Lock()


def current_umask() -> int:
    with _LOCK:  # os.umask can only be read by setting it
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def apply_umask(fd: int) -> None:
    """Give the open file `fd` mode 0666 minus the umask (what `open(path, 'w')` would give)."""
    os.fchmod(fd, 0o666 & ~current_umask())
