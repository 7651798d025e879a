"""The t2i track's leaderboard layout: C-LoRA's columns (Smith et al., Tables 1-2 and A-C) first,
N_param train %, N_param store %, A_MMD, F_MMD, image alignment, text alignment, KID, then the
bench's other headline columns. Each column reads the first of its metric names the bench has; a
paper's column name goes only on a number in the paper's feature space (CLIP for A_MMD, Inception
for KID), so the digit benches' judge-feature distances are not shown under them. A column whose
metric the bench lacks stays in the layout with empty cells. Plain data, torch-free."""

from harness.tracks._layout import LayoutColumn, TrackLayout

LAYOUT = TrackLayout(
    columns=(
        LayoutColumn("N_param train %", ("n_param_train",), "final", False),
        LayoutColumn("N_param store %", ("n_param_store",), "final", False),
        LayoutColumn("A_MMD", ("mmd_clip",), "average", False),
        LayoutColumn("F_MMD", ("drift_mmd",), "drift", False),
        LayoutColumn("image alignment", ("clip_i",), "average", True),
        LayoutColumn("text alignment", ("clip_t",), "average", True),
        LayoutColumn("KID", ("kid",), "average", False),
    ),
    note=("C-LoRA's columns: N_param train % / store %: UNet parameters unlocked per task / kept between tasks "
          "beyond the frozen base after the last task, % of the UNet (the records' `parameters`); "
          "A_MMD: mmd_clip's average (C-LoRA's definition on CLIP features; its units are unknown, see the metric); "
          "F_MMD: drift_mmd's average over the concepts before the last (C-LoRA's forgetting: how far each concept's "
          "samples moved since it was learned, paired; on the digit benches in standardized judge features, see the metric); "
          "image / text alignment: CLIP image-image / image-text similarity; KID: Inception KID's average; "
          "– where the bench has no such metric"),
)
