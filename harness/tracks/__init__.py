"""Tracks: each registers how its benches load, build their backbone and are evaluated."""

from harness.tracks._base import TRACK_REGISTRY, BuildOptions, Evaluator, LoadedBench, Track, register_track
from harness.tracks import class_cls, class_gen, t2i  # noqa: F401  (registers "class-cls", "class-gen", "t2i")

__all__ = ["TRACK_REGISTRY", "BuildOptions", "Evaluator", "LoadedBench", "Track", "register_track"]
