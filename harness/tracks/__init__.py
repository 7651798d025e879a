"""Tracks: each registers how its benches load, build their backbone and are evaluated.

Each track module is imported when a run asks for its track (its libraries are heavy).
"""

from harness.tracks._base import TRACK_REGISTRY, BuildOptions, Evaluator, LoadedBench, Track, register_track

TRACK_REGISTRY.declare("harness.tracks.class_cls", ["class-cls"])
TRACK_REGISTRY.declare("harness.tracks.class_gen", ["class-gen"])
TRACK_REGISTRY.declare("harness.tracks.t2i", ["t2i"])

__all__ = ["TRACK_REGISTRY", "BuildOptions", "Evaluator", "LoadedBench", "Track", "register_track"]
