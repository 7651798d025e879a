"""Leading column layouts of the leaderboard tables, read from each track's layout
(harness/tracks/<track>/layout.py, plain data): the t2i track's are C-LoRA's columns (N_param
train % and store %, A_MMD, F_MMD, alignment, KID). Parameter columns read the records'
`parameters` block; every other column reads the first of its metric names the bench has."""

from __future__ import annotations

from typing import Optional

from harness.leaderboard.cost import cost_stat
from harness.leaderboard.stats import Stat
from harness.tracks import TRACK_PACKAGES, track_layout

PARAMETER_AGGREGATE = "final"
PARAMETER_FIELDS = {"n_param_train": "trained_fraction", "n_param_store": "stored_fraction"}
# track -> its leading columns (title, metric names in order of preference, aggregate, higher is better) and their note
LAYOUTS_BY_TRACK = {name: layout.columns for name in TRACK_PACKAGES if (layout := track_layout(name)).columns}
LAYOUT_NOTES_BY_TRACK = {name: layout.note for name in TRACK_PACKAGES if (layout := track_layout(name)).note}


def chosen_metric(names: tuple[str, ...], available: dict) -> str:
    return next((name for name in names if name in available or name in PARAMETER_FIELDS), names[0])


def parameter_stat(runs, field: str) -> Optional[Stat]:
    """Mean over seeds of the final task's fraction, in % (None when a run lacks it)."""
    values = [run.parameters.get(field) for run in runs]
    if not values or any(not value for value in values):
        return None
    return cost_stat([100.0 * float(value[-1]) for value in values])
