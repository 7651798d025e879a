"""The track registry: every bench track has a plug-in, and the runner never branches on a track's name."""

from __future__ import annotations

import re
from pathlib import Path

from harness.bench import BENCHES, load_bench
from harness.tracks import TRACK_REGISTRY, Track

REPO = Path(__file__).resolve().parent.parent


def test_every_registered_bench_has_its_track():
    for name in BENCHES.names():
        assert isinstance(TRACK_REGISTRY.get(load_bench(name).track), Track)


def test_no_track_branches_in_runner_records_or_leaderboard():
    files = [REPO / "harness" / "runner.py", REPO / "harness" / "record.py", *sorted((REPO / "harness" / "leaderboard").glob("*.py"))]
    for path in files:
        assert not re.search(r"track\s*[!=]=", path.read_text()), path
