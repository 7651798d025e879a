"""Checkpoints are hashed into the record and verified on resume: a bit-flipped, truncated or
unreadable one is named and the run falls back to the one before (or starts over) and still
writes the metrics of an uninterrupted run; `samples` survives; a changed environment is kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from conftest import write_bench
from harness.checkpoint import BadCheckpoint, checkpoint_paths, load_verified, save_checkpoint, sha256_of
from harness.record import read_record
from harness.runner import RunSpec, execute, prepare


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, dict]:
    """One complete 3-task smoke run (the reference) and its record."""
    folder = tmp_path_factory.mktemp("finished")
    bench = write_bench(folder, tasks=[[0, 1], [2, 3], [4, 5]])
    spec = RunSpec(method="finetune", bench=str(bench), profile="smoke", results_dir=folder / "results")
    return folder, read_record(execute(spec))


def _reopen(folder: Path, tmp_path: Path) -> tuple[RunSpec, Path, Path]:
    """A copy of the finished run whose record says 'running' (as if killed after its last task)."""
    results = tmp_path / "results"
    import shutil

    shutil.copytree(folder / "results", results)
    spec = RunSpec(method="finetune", bench=str(folder / "tiny-digits.yaml"), profile="smoke", results_dir=results)
    run = prepare(spec)
    record = json.loads(run.record_path.read_text())
    record.update(status="running", summary=None)
    run.record_path.write_text(json.dumps(record))
    return spec, run.record_path, run.checkpoint_dir


def _flip_bit(path: Path) -> None:
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    path.write_bytes(bytes(blob))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


def _garble_meta(path: Path) -> None:
    checkpoint_paths(path.parent, int(path.stem[4:]))[1].write_text("{not json")


@pytest.mark.parametrize("damage", [_flip_bit, _truncate, _garble_meta], ids=["bit-flip", "truncated", "corrupt-metadata"])
def test_a_bad_last_checkpoint_falls_back_to_the_one_before(damage, finished, tmp_path):
    folder, reference = finished
    spec, record_path, checkpoints = _reopen(folder, tmp_path)
    bad = checkpoint_paths(checkpoints, 2)[0]
    damage(bad)
    lines: list[str] = []
    final = read_record(execute(spec, echo=lines.append))
    named = [line for line in lines if str(checkpoints / "task002") in line]
    assert named and "warning" in named[0], lines
    assert any("falling back to the checkpoint of task 2" in line for line in lines)
    assert final["status"] == "complete" and final["metrics"] == reference["metrics"]
    assert final["samples"] == reference["samples"] and (record_path.parent / final["samples"]).is_file()
    assert final["checkpoint_sha256"] == reference["checkpoint_sha256"]


def test_no_good_checkpoint_starts_over_with_the_same_result(finished, tmp_path):
    folder, reference = finished
    spec, _, checkpoints = _reopen(folder, tmp_path)
    for task in (1, 2):
        _flip_bit(checkpoint_paths(checkpoints, task)[0])
    lines: list[str] = []
    final = read_record(execute(spec, echo=lines.append))
    assert any("starting the run over" in line for line in lines)
    assert final["metrics"] == reference["metrics"] and final["tasks_done"] == 3


def test_samples_survive_a_resume_after_the_last_task(finished, tmp_path):
    folder, reference = finished
    spec, record_path, _ = _reopen(folder, tmp_path)
    final = read_record(execute(spec))
    assert final["samples"] == reference["samples"] == record_path.with_suffix(".samples.png").name


def test_a_changed_environment_is_recorded_and_printed(finished, tmp_path):
    folder, reference = finished
    spec, record_path, _ = _reopen(folder, tmp_path)
    record = json.loads(record_path.read_text())
    record["environment"]["git_commit"] = "0" * 40
    record["environment"]["packages"]["torch"] = "0.0.1"
    record_path.write_text(json.dumps(record))
    lines: list[str] = []
    final = read_record(execute(spec, echo=lines.append))
    changed = [line for line in lines if "environment changed" in line]
    assert changed and "git_commit" in changed[0] and "torch 0.0.1 ->" in changed[0]
    history = final["environment_history"]
    assert [segment["from_task"] for segment in history] == [0, 3]
    assert history[0]["environment"]["git_commit"] == "0" * 40 and history[1]["environment"]["git_commit"] != "0" * 40
    assert final["environment"]["git_commit"] == "0" * 40  # where the run started stays as it was


def test_hash_is_of_the_tensor_file_and_verification_names_the_file(tmp_path):
    digest = save_checkpoint(tmp_path, 0, {"w": torch.arange(4.0)}, {"task": 0})
    tensors, meta = load_verified(tmp_path, 0, digest)
    assert digest == sha256_of(checkpoint_paths(tmp_path, 0)[0]) and torch.equal(tensors["w"], torch.arange(4.0)) and meta == {"task": 0}
    with pytest.raises(BadCheckpoint, match=str(checkpoint_paths(tmp_path, 0)[0])):
        load_verified(tmp_path, 0, "f" * 64)
    with pytest.raises(BadCheckpoint, match="missing"):
        load_verified(tmp_path, 1, None)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
