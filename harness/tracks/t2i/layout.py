"""The t2i track's leaderboard layout: C-LoRA's columns (Smith et al., Tables 1-2 and A-C) first,
N_param train %, N_param store %, A_MMD, F_MMD, image alignment, text alignment, KID, then the
bench's other headline columns. Each column reads the first of its metric names the bench has
(CLIP metrics on the folder benches, judge-feature metrics on the embedded digit benches); a
column whose metric the bench lacks stays in the layout with empty cells. Plain data, torch-free."""

from harness.tracks._layout import LayoutColumn, TrackLayout

LAYOUT = TrackLayout(
    columns=(
        LayoutColumn("N_param train %", ("n_param_train",), "final", False),
        LayoutColumn("N_param store %", ("n_param_store",), "final", False),
        LayoutColumn("A_MMD", ("mmd_clip", "concept_mmd"), "average", False),
        LayoutColumn("F_MMD", ("drift_mmd",), "average", False),
        LayoutColumn("image alignment", ("clip_i",), "average", True),
        LayoutColumn("text alignment", ("clip_t",), "average", True),
        LayoutColumn("KID", ("kid", "concept_kid"), "average", False),
    ),
    note=("C-LoRA's columns: N_param train % / store %: UNet parameters unlocked per task / kept between tasks "
          "beyond the frozen base after the last task, % of the UNet (the records' `parameters`); "
          "A_MMD: the MMD metric's average; F_MMD: drift_mmd's average (C-LoRA's forgetting: how far each concept's "
          "samples moved since it was learned); image / text alignment: CLIP image-image / image-text similarity; "
          "KID: the KID metric's average; – where the bench has no such metric"),
)
