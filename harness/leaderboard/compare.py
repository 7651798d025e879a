"""How two leaderboard folders differ: missing, extra and changed files, with text diffs."""

from __future__ import annotations

import difflib
from pathlib import Path

MAX_DIFF_LINES = 40
TEXT_SUFFIXES = {".md", ".csv", ".json", ".html", ".svg", ".txt"}


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def _diff(committed: Path, fresh: Path, name: str) -> list[str]:
    if committed.suffix not in TEXT_SUFFIXES:
        return [f"changed: {name} (binary; {committed.stat().st_size} -> {fresh.stat().st_size} bytes)"]
    lines = list(difflib.unified_diff(committed.read_text().splitlines(), fresh.read_text().splitlines(),
                                      f"committed/{name}", f"regenerated/{name}", lineterm="", n=1))
    shown = [line if len(line) <= 200 else line[:200] + " …" for line in lines[:MAX_DIFF_LINES]]
    more = [f"… {len(lines) - MAX_DIFF_LINES} more diff lines"] if len(lines) > MAX_DIFF_LINES else []
    return [f"changed: {name}", *shown, *more]


def differences(committed: Path, fresh: Path) -> list[str]:
    """Empty when both folders hold the same files with the same bytes."""
    old, new = _files(committed), _files(fresh)
    report = [f"missing (would be added): {name}" for name in sorted(new - old)]
    report += [f"stale (would be removed): {name}" for name in sorted(old - new)]
    for name in sorted(old & new):
        if (committed / name).read_bytes() != (fresh / name).read_bytes():
            report += _diff(committed / name, fresh / name, name)
    return report
