"""The t2i track through the runner: resume after a crash, bad model folders, kept artefacts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from safetensors.torch import load_file

from harness.record import read_record
from harness.runner import RunSpec, execute
from harness.sample_grid import BLOCK_GUTTER, GUTTER, HEADER_HEIGHT, MARGIN, MIN_CELL, MISSING, PER_CLASS
from harness.tracks.t2i.evaluation import JudgedEvaluator

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("method", ["clora", "lora-seq"])
def test_run_interrupted_mid_sequence_resumes_to_the_same_record(method, tiny_benches, tmp_path, monkeypatch):
    bench = str(tiny_benches["t2i"])
    reference = read_record(execute(RunSpec(method=method, bench=bench, seed=1, results_dir=tmp_path / "uninterrupted")))
    original = JudgedEvaluator.views

    def killed_at_second_task(self, backbone, after_task, scored):
        if after_task == 1:
            raise KeyboardInterrupt  # not an Exception: the record stays "running", as after a kill
        return original(self, backbone, after_task, scored)

    monkeypatch.setattr(JudgedEvaluator, "views", killed_at_second_task)
    with pytest.raises(KeyboardInterrupt):
        execute(RunSpec(method=method, bench=bench, seed=1, results_dir=tmp_path / "killed"))
    monkeypatch.undo()
    interrupted = read_record(next((tmp_path / "killed").glob("runs/*/*.json")))
    assert interrupted["status"] == "running" and interrupted["tasks_done"] == 1
    final = read_record(execute(RunSpec(method=method, bench=bench, seed=1, results_dir=tmp_path / "killed")))
    assert final["status"] == "complete"
    assert final["metrics"] == reference["metrics"]
    assert final["parameters"] == reference["parameters"]


def test_record_keeps_drift_features_adapters_and_parameter_fractions(tiny_benches, tmp_path):
    path = execute(RunSpec(method="merge-init", bench=str(tiny_benches["t2i"]), seed=0, results_dir=tmp_path))
    record = read_record(path)
    drift = record["metrics"]["drift_mmd"]["matrix"]
    assert drift[0][0] == 0.0 and drift[1][1] == 0.0 and drift[0][1] is None
    assert record["summary"]["drift_mmd"] == {"drift": drift[1][0]}  # a drift's own aggregate, no forgetting
    features = load_file(str(path.with_suffix(".drift.safetensors")))
    assert sorted(features) == ["task0", "task1"]
    assert all((path.parent / name).is_file() for name in record["adapters"]) and len(record["adapters"]) == 2
    fractions = record["parameters"]
    assert 0 < fractions["trained_fraction"][0] < 1 and len(fractions["stored_fraction"]) == 2
    # the grid's "right after learning" block is as full as its "after the last task" block (empty cells are MISSING grey)
    grid = np.asarray(Image.open(path.parent / record["samples"]).convert("RGB"))
    missing = (grid == np.array(MISSING, dtype=np.uint8)).all(axis=-1)[MARGIN + HEADER_HEIGHT:]  # below the column headers
    block = PER_CLASS * MIN_CELL + (PER_CLASS - 1) * GUTTER
    middle = grid.shape[1] - MARGIN - block - BLOCK_GUTTER // 2  # between the blocks, counted from the right: whatever the label width
    assert missing[:, middle - block - BLOCK_GUTTER:middle].sum() == missing[:, middle:].sum()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", "run", *args, "--no-progress"], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_missing_or_partial_weights_fail_before_training_with_one_line(tmp_path):
    spec = yaml.safe_load((REPO / "benchmarks" / "digits-concepts.yaml").read_text())
    spec.update(name="sd-concepts", backbone={"name": "stable-diffusion", "weights": "sd15"})
    bench = tmp_path / "sd-concepts.yaml"
    bench.write_text(yaml.safe_dump(spec))
    partial = tmp_path / "partial"
    (partial / "unet").mkdir(parents=True)
    (partial / "unet" / "config.json").write_text("{}")
    for weights in (tmp_path / "absent", partial):
        result = _cli("--method", "clora", "--bench", str(bench), "--weights", str(weights), "--results", str(tmp_path / "results"))
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "tokenizer/" in lines[0] and "Traceback" not in result.stderr, result.stderr
    assert not list((tmp_path / "results").rglob("*.json"))  # no record: it failed before the run began
