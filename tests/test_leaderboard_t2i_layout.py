"""The t2i leaderboard layout: C-LoRA's columns first, N_param cells from the records' parameters."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from harness.leaderboard.assemble import assemble
from harness.leaderboard.load import load_runs
from harness.leaderboard.tables import render_csv, render_markdown

PUBLISHED = Path(__file__).resolve().parents[1] / "results" / "runs" / "digits-concepts"


def test_t2i_tables_lead_with_clora_columns_and_parameter_fractions(tmp_path: Path) -> None:
    folder = tmp_path / "runs" / "digits-concepts"
    folder.mkdir(parents=True)
    records = sorted(PUBLISHED.glob("magmax-*-seed*.json"))
    for record in records:
        shutil.copy(record, folder / record.name)
    warnings: list[str] = []
    [table] = assemble(load_runs(tmp_path, warnings.append), [], warnings.append)
    labels = [column.label for column in table.columns]
    assert labels[:7] == ["N_param train % ↓", "N_param store % ↓", "A_MMD ↓", "F_MMD ↓", "image alignment ↑", "text alignment ↑", "KID ↓"]
    assert [(c.metric, c.aggregate) for c in table.columns[2:4]] == [("mmd_clip", "average"), ("drift_mmd", "drift")]  # judge-feature MMD is not C-LoRA's A_MMD; F_MMD is the drift aggregate (i < T)
    [row] = table.rows
    stored = [100 * json.loads(path.read_text())["parameters"]["stored_fraction"][-1] for path in records]
    assert row.cells[("n_param_store", "final")].mean == np.mean(stored)
    assert row.cells.get(("clip_i", "average")) is None and row.marks[("n_param_store", "final")].kind == ""
    assert "n_param_train.final.mean" in render_csv(table).splitlines()[0]
    assert "N_param store %" in render_markdown(table)
