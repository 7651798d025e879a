"""A run killed mid-sequence (SIGKILL) and resumed writes the same metrics as an
uninterrupted run with the same seed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from conftest import TINY_BENCH, write_bench
from harness.record import read_record
from harness.runner import RunSpec, execute

REPO = Path(__file__).resolve().parent.parent


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "harness", "run", *args, "--no-progress"]


def test_killed_run_resumes_to_the_same_record(tmp_path):
    profile = {**TINY_BENCH["profiles"]["default"], "steps_per_task": 60}
    bench = write_bench(tmp_path, tasks=[[0, 1], [2, 3], [4, 5]], profiles={"default": profile})
    reference = read_record(execute(RunSpec(method="er", bench=str(bench), seed=3, results_dir=tmp_path / "uninterrupted")))

    results = tmp_path / "killed"
    # the same thread count as the in-process reference (float sums differ between thread counts)
    args = _cli("--method", "er", "--bench", str(bench), "--seed", "3", "--results", str(results), "--threads", str(torch.get_num_threads()))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    killed_after = None
    while time.monotonic() < deadline and process.poll() is None:
        records = list(results.glob("runs/*/*.json"))
        if records:
            try:
                done = json.loads(records[0].read_text())["tasks_done"]
            except (json.JSONDecodeError, KeyError):
                done = 0
            if done >= 1:
                process.send_signal(signal.SIGKILL)
                process.wait()
                killed_after = done
                break
        time.sleep(0.02)
    assert killed_after is not None and killed_after < 3, "the run finished before it could be killed"
    interrupted = read_record(next(results.glob("runs/*/*.json")))
    assert interrupted["status"] == "running" and interrupted["tasks_done"] == killed_after

    resumed = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stderr
    final = read_record(Path(resumed.stdout.strip().splitlines()[-1].removeprefix("record: ")))
    assert final["status"] == "complete"
    assert final["metrics"] == reference["metrics"]
    assert final["summary"] == reference["summary"]
