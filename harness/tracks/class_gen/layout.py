"""The class-gen track's leaderboard layout: the metric columns of its benches, best-minus-final forgetting."""

from harness.tracks._layout import TrackLayout

LAYOUT = TrackLayout()
