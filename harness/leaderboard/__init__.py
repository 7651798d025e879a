"""The versioned leaderboard: run records + reported rows -> `<out>/v<N>/` tables, page and figures.

`build`, `check`, `generate` and `definitions` live in board.py and are loaded on first use, so
`import harness.leaderboard` stays cheap (no pandas, scipy or matplotlib until a board is built,
never torch); see board.py for what they do.
"""

from __future__ import annotations

from typing import Any

_LAZY = ("build", "check", "generate", "definitions", "SWEEPS")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from harness.leaderboard import board

        return getattr(board, name)
    raise AttributeError(f"module 'harness.leaderboard' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = list(_LAZY)
