"""The lock (constraints.txt): the exact package versions the test suite passed with.

`harness reproduce` names the packages whose versions in a record, or in this environment,
differ from it: a mismatch beyond tolerance may be theirs, not the method's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

LOCK = Path(__file__).resolve().parent.parent / "constraints.txt"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(path: Path = LOCK) -> dict[str, str]:
    """Canonical package name -> pinned version; empty when there is no lock."""
    try:
        text = path.read_text()
    except OSError:
        return {}
    return {_canonical(m.group(1)): m.group(2) for m in map(_PIN.match, text.splitlines()) if m}


def differences(packages: Mapping[str, object], lock: Mapping[str, str]) -> list[str]:
    """'name X (lock Y)' for each package of `packages` whose version differs from a pin in `lock`."""
    out = []
    for name, version in sorted(packages.items()):
        pinned = lock.get(_canonical(name))
        if pinned is not None and str(version) != pinned:
            out.append(f"{name} {version} (lock {pinned})")
    return out
