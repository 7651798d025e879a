"""Tracks: one package per track, `harness/tracks/<track>/`, the only code that knows the track.

    tasks.py       how a task's data is loaded (its data sources are options, not new tracks)
    views.py       the typed view a metric of the track receives for one seen task
    evaluation.py  what evaluation samples or classifies per seen task, returning those views
    layout.py      the leaderboard layout (`LAYOUT`, plain data, torch-free)
    track.py       the `Track` the runner plugs in (registered under the track's name)

This module imports no torch: it names the packages, and `track_layout` reads a layout without
importing the track. Adding a track is adding its package and one line to `TRACK_PACKAGES`.
"""

from __future__ import annotations

import importlib

from harness.tracks._base import BuildOptions, Evaluator, LoadedBench, Track
from harness.tracks._layout import LayoutColumn, TrackLayout
from harness.tracks._registry import TRACK_REGISTRY, register_track

TRACK_PACKAGES = {"class-gen": "harness.tracks.class_gen", "class-cls": "harness.tracks.class_cls", "t2i": "harness.tracks.t2i"}

for _name, _package in TRACK_PACKAGES.items():
    TRACK_REGISTRY.declare(f"{_package}.track", [_name])


def track_layout(track: str) -> TrackLayout | None:
    """The track's leaderboard layout (None for a track this repository does not have)."""
    package = TRACK_PACKAGES.get(track)
    return None if package is None else importlib.import_module(f"{package}.layout").LAYOUT


__all__ = ["TRACK_PACKAGES", "TRACK_REGISTRY", "BuildOptions", "Evaluator", "LayoutColumn", "LoadedBench", "Track", "TrackLayout", "register_track",
           "track_layout"]
