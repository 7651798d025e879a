"""scripts/drift_audit.py: the unchanged-model floor of the old (unpaired) drift estimator,
read from the just-learned features a record keeps."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from metrics.mmd import mmd_squared

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "drift_audit.py"


def _audit_module():
    spec = importlib.util.spec_from_file_location("drift_audit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_frozen_model_sits_on_the_floor_and_a_moved_one_above_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    kept = {f"task{i}": rng.normal(size=(6, 4)) * 10 for i in range(3)}
    save_file(kept, str(tmp_path / "r.drift.safetensors"))
    floors = [mmd_squared(kept[f"task{i}"], kept[f"task{i}"]) for i in range(2)]
    assert all(floor < 0 for floor in floors)
    record = {"status": "complete", "bench": {"version": 1},
              "metrics": {"drift_mmd": {"matrix": [[0.0, None, None], [1.0, 0.0, None], [floors[0], floors[1] + 50.0, 0.0]]}}}
    (tmp_path / "r.json").write_text(json.dumps(record))
    row = _audit_module().audit(tmp_path / "r.json")
    assert row["unchanged_floor"] == np.mean(floors)
    assert row["old_f_mmd"] - row["unchanged_floor"] == 25.0
    assert row["kept"] == "task0, task1, task2"
    assert "| 25 |" in _audit_module().render([row])
