"""Every bad input is one line and the right exit code, never a traceback (issue 9, item 5),
and `--threads` (item 8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from conftest import TINY_BENCH, write_bench
from harness.cli import main

REPO = Path(__file__).resolve().parent.parent


def _one_line(capsys, argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and err.count("\n") == 0, err
    return code, err


def _run(capsys, tmp_path, *args: str) -> tuple[int, str]:
    return _one_line(capsys, ["run", "--method", "er", "--profile", "smoke", "--results", str(tmp_path / "r"), "--no-progress", *args])


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1_0", "0x1", "1e999"])
def test_float_knobs_refuse_non_finite_and_python_only_spellings(value, capsys, tiny_bench, tmp_path):
    code, err = _run(capsys, tmp_path, "--bench", str(tiny_bench), "--set", f"rehearsal_coef={value}")
    assert code == 2 and "rehearsal_coef" in err
    assert not (tmp_path / "r" / "runs").exists()


def test_int_knob_refuses_underscores(capsys, tiny_bench, tmp_path):
    code, err = _run(capsys, tmp_path, "--bench", str(tiny_bench), "--set", "buffer_per_task=1_0")
    assert code == 2 and "not a valid int" in err


PROFILE = TINY_BENCH["profiles"]["default"]
BAD_BENCHES = {
    "version: one": ({"version": "one"}, "version 'one' must be an integer"),
    "version: true": ({"version": True}, "version True must be an integer"),
    "tasks: [[0, a]]": ({"tasks": [[0, "a"]]}, "must be a non-empty list of class numbers"),
    "tasks: []": ({"tasks": []}, "tasks must be a non-empty list"),
    "tasks: [[]]": ({"tasks": [[]]}, "must be a non-empty list of class numbers"),
    "a class twice": ({"tasks": [[0, 1], [1, 2]]}, "class 1 appears in more than one task"),
    "steps as a string": ({"profiles": {"default": {**PROFILE, "steps_per_task": "10"}}}, "steps_per_task: '10' is not an integer"),
    "steps 0": ({"profiles": {"default": {**PROFILE, "steps_per_task": 0}}}, "steps_per_task: 0 must be >= 1"),
    "batch -1": ({"profiles": {"default": {**PROFILE, "batch_size": -1}}}, "batch_size: -1 must be >= 1"),
    "samples 0": ({"profiles": {"default": {**PROFILE, "eval_samples_per_class": 0}}}, "eval_samples_per_class: 0 must be >= 1"),
    "sampling steps 0": ({"profiles": {"default": {**PROFILE, "sampling_steps": 0}}}, "sampling_steps: 0 must be >= 1"),
    "lr 0": ({"profiles": {"default": {**PROFILE, "lr": 0}}}, "lr: 0 must be > 0"),
    "lr .nan": ({"profiles": {"default": {**PROFILE, "lr": float("nan")}}}, "lr: nan is not a finite number"),
    "name ../evil": ({"name": "../evil"}, "name '../evil' must match"),
    "metrics a string": ({"metrics": "judge_accuracy"}, "metrics must be a non-empty list"),
    "data a list": ({"data": [1]}, "data must be a mapping"),
    "resources cpus 0": ({"resources": {"cpus": 0}}, "cpus: 0 must be >= 1"),
}


@pytest.mark.parametrize("case", sorted(BAD_BENCHES))
def test_bad_bench_yaml_values_fail_at_load(case, capsys, tmp_path):
    changes, message = BAD_BENCHES[case]
    bench = write_bench(tmp_path, **changes)
    code, err = _run(capsys, tmp_path, "--bench", str(bench))
    assert code == 2 and str(bench) in err and message in err, err


def test_missing_bench_file_is_no_such_file(capsys, tmp_path):
    code, err = _run(capsys, tmp_path, "--bench", str(tmp_path / "missing.yaml"))
    assert code == 2 and err.endswith(f"bench file {tmp_path / 'missing.yaml'}: no such file")


@pytest.mark.parametrize("device, message", [("foo", "is not one of cpu, cuda, cuda:N, auto"), ("cuda:x", "is not one of"),
                                             ("cuda", "no CUDA GPU" if not torch.cuda.is_available() else "")])
def test_bad_device(device, message, capsys, tiny_bench, tmp_path):
    if not message:
        pytest.skip("a GPU is visible")
    code, err = _run(capsys, tmp_path, "--bench", str(tiny_bench), "--device", device)
    assert code == 2 and message in err
    assert not (tmp_path / "r" / "runs").exists()


def test_results_that_is_a_file_or_read_only(capsys, tiny_bench, tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    code, err = _one_line(capsys, ["run", "--method", "er", "--bench", str(tiny_bench), "--results", str(a_file)])
    assert code == 2 and "is a file, not a folder" in err
    code, err = _one_line(capsys, ["leaderboard", "--results", str(REPO / "results"), "--out", str(a_file)])
    assert code == 2 and "--out" in err and "is a file" in err
    if os.geteuid() != 0:  # root writes anywhere
        read_only = tmp_path / "ro"
        read_only.mkdir(mode=0o555)
        code, err = _one_line(capsys, ["run", "--method", "er", "--bench", str(tiny_bench), "--results", str(read_only / "sub")])
        assert code == 2 and "cannot be created" in err


@pytest.mark.parametrize("args, message", [
    (["--max-wait-min", "0"], "--max-wait-min 0.0 must be a number > 0"),
    (["--max-wait-min", "nan"], "must be a number > 0"),
    (["--seeds", "0-100000000"], "spans more than 1000 seeds"),
    (["--seeds", "0-999,2000-2999"], "more than 1000 seeds"),
    (["--seeds", "-1"], "is not an integer seed >= 0"),
])
def test_sweep_bounds(args, message, capsys, tiny_bench, tmp_path):
    code, err = _one_line(capsys, ["sweep", "--methods", "er", "--benches", str(tiny_bench), "--executor", "inline",
                                   "--results", str(tmp_path / "r"), *(["--seeds", "0"] if "--seeds" not in args else []), *args])
    assert code == 2 and message in err, err


def test_a_metric_returning_nan_fails_the_record_with_its_name(capsys, tiny_bench, tmp_path, monkeypatch):
    import dataclasses

    from metrics import METRICS

    monkeypatch.setitem(METRICS._entries, "judge_fd", dataclasses.replace(METRICS.get("judge_fd"), compute=lambda evaluation: float("nan")))
    code, err = _run(capsys, tmp_path, "--bench", str(tiny_bench))
    assert code == 1 and "metric judge_fd returned nan on task 1 after task 1" in err
    record = json.loads(next((tmp_path / "r").glob("runs/*/*.json")).read_text())
    assert record["status"] == "failed" and "judge_fd" in record["error"]


def test_corrupt_judge_cache_names_its_file(capsys, tiny_bench, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    assert main(["run", "--method", "er", "--bench", str(tiny_bench), "--profile", "smoke", "--results", str(tmp_path / "r"), "--no-progress"]) == 0
    capsys.readouterr()
    (cached,) = (tmp_path / "cache" / "judges").glob("*.safetensors")
    cached.write_bytes(b"garbage")
    code, err = _run(capsys, tmp_path, "--bench", str(tiny_bench), "--seed", "2")
    assert code == 2 and f"judge cache {cached} is corrupt" in err


def test_a_broken_stdout_pipe_never_fails_a_run(tiny_bench, tmp_path):
    command = (f"{sys.executable} -m harness run --method finetune --bench {tiny_bench} --profile smoke "
               f"--results {tmp_path / 'r'} --no-progress | head -c 0; exit ${{PIPESTATUS[0]}}")
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    record = json.loads(next((tmp_path / "r").glob("runs/*/*.json")).read_text())
    assert record["status"] == "complete"


def test_threads_flag(capsys, tiny_bench, tmp_path):
    assert _run(capsys, tmp_path, "--bench", str(tiny_bench), "--threads", "0")[0] == 2
    before = torch.get_num_threads()
    try:
        assert main(["run", "--method", "finetune", "--bench", str(tiny_bench), "--profile", "smoke", "--results", str(tmp_path / "r"),
                     "--threads", "1", "--no-progress"]) == 0
        record = json.loads(next((tmp_path / "r").glob("runs/*/*.json")).read_text())
        assert record["environment"]["device"].endswith(":1threads")
    finally:
        torch.set_num_threads(before)
