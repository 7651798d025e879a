"""Leading column layouts of the leaderboard tables, read from each track's layout
(harness/tracks/<track>/layout.py, plain data): the t2i track's are C-LoRA's columns (N_param
train % and store %, A_MMD, F_MMD, alignment, KID). Parameter columns read the records'
`parameters` block; every other column reads the first of its metric names the bench has."""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from harness.leaderboard.frame import _exact_mean_std, t_half_width
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
    percent = np.array([100.0 * float(value[-1]) for value in values])
    mean, std = _exact_mean_std(percent)
    if len(percent) < 2 or math.isnan(std) or percent.min() == percent.max():  # a method's cost rarely varies with the seed
        return Stat(mean, None, len(percent))
    half = float(t_half_width(np.array([std]), np.array([len(percent)]))[0])
    return Stat(mean, std, len(percent), (mean - half, mean + half))
