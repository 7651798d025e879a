"""Which forgetting definition a leaderboard table shows: the one its bench's papers use.

In order: the bench YAML's `forgetting` key (when the registered bench has the table's version),
else the definition of the reported rows that join the table (the bench's own paper), else the
default of the bench's track (its `harness/tracks/<track>/layout.py`; class-cls: CODA-Prompt's F_N), else
best-minus-final. Every definition is computed for every row; this only picks the shown column.
"""

from __future__ import annotations

from typing import Optional, Sequence

from core.errors import UsageError
from harness.bench import BENCHES, BenchSpec, load_bench_file
from harness.tracks import track_layout

FALLBACK = "forgetting_best_minus_final"


def registered_bench(name: str, version: Optional[int]) -> Optional[BenchSpec]:
    """The bench of this repository with that name (and version, when given), or None."""
    if name not in BENCHES:
        return None
    try:
        spec = load_bench_file(BENCHES.get(name))
    except UsageError:
        return None
    return spec if version is None or spec.version == version else None


def track_default(track: str) -> Optional[str]:
    layout = track_layout(track)
    return None if layout is None else layout.forgetting


def choose(bench: str, version: Optional[int], track: str, reported: Sequence[str] = ()) -> tuple[str, str]:
    """(definition, why) for a table of `bench` at `version` on `track`; `reported` lists the
    forgetting definitions of the reported blocks joining it, in order."""
    spec = registered_bench(bench, version)
    if spec is not None and spec.forgetting:
        return spec.forgetting, f"bench {bench} YAML key `forgetting`"
    if reported:
        return reported[0], "the definition of the bench's reported rows (its paper's)"
    track = track or (spec.track if spec is not None else "")
    default = track_default(track)
    if default is not None:
        return default, f"default of the {track} track"
    return FALLBACK, "harness default (no bench key, reported rows or track default)"
