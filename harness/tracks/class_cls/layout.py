"""The class-cls track's leaderboard layout: CODA-Prompt's forgetting F_N (as C-LoRA's Table 3 and the prompt papers)."""

from harness.tracks._layout import TrackLayout

LAYOUT = TrackLayout(forgetting="forgetting_coda")
