"""One writer per run (an fcntl lock beside the record), stale locks and temp files of dead
writers, the user's umask on written files, and a sweep grid de-duplicated by record path."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import TINY_BENCH, write_bench
from harness.cli import main
from harness.run_lock import RunInProgress, hold_run_lock, lock_path

REPO = Path(__file__).resolve().parent.parent


def _hold(record: str, ready, release) -> None:
    with hold_run_lock(Path(record), Path(record).with_suffix(".ck"), lambda line: None):
        ready.set()
        release.wait(60)


def test_a_live_holder_refuses_a_second_writer_with_its_pid_and_host(tmp_path):
    context = multiprocessing.get_context("fork")
    ready, release = context.Event(), context.Event()
    record = tmp_path / "runs" / "b" / "run.json"
    holder = context.Process(target=_hold, args=(str(record), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(RunInProgress, match=f"run run is in progress \\(pid {holder.pid} on host {socket.gethostname()}\\)"):
            with hold_run_lock(record, tmp_path / "ck", lambda line: None):
                pass
    finally:
        release.set()
        holder.join(30)
    with hold_run_lock(record, tmp_path / "ck", lambda line: None):  # released: free again
        pass
    assert not lock_path(record).exists()


def test_a_stale_lock_is_taken_over_and_dead_writers_temp_files_removed(tmp_path):
    record = tmp_path / "runs" / "b" / "run.json"
    checkpoints = tmp_path / "checkpoints" / "b" / "run"
    checkpoints.mkdir(parents=True)
    record.parent.mkdir(parents=True)
    lock_path(record).write_text("424242 deadhost\n")  # left by a process killed with -9
    stale = [record.parent / ".run.json.abc123.tmp", checkpoints / ".task001.safetensors.xyz.tmp"]
    other = record.parent / ".other.json.abc.tmp"  # another run's temp file: not ours to remove
    for path in [*stale, other]:
        path.write_text("half")
    lines: list[str] = []
    with hold_run_lock(record, checkpoints, lines.append):
        assert lock_path(record).read_text().split() == [str(os.getpid()), socket.gethostname()]
    assert any("stale lock of pid 424242 on host deadhost" in line for line in lines)
    assert not any(path.exists() for path in stale) and other.exists()


def _holds_lock_and_record(results: Path, pid: int) -> bool:
    """The first run has written its pid into the lock and its running record (no fixed sleep)."""
    locks, records = list(results.glob("runs/*/*.lock")), list(results.glob("runs/*/*.json"))
    try:
        return bool(locks and records) and locks[0].read_text().split()[:1] == [str(pid)]
    except OSError:
        return False


def test_two_concurrent_harness_runs_on_one_key(tmp_path, capsys):
    profile = {**TINY_BENCH["profiles"]["default"], "steps_per_task": 3000}
    bench = write_bench(tmp_path, profiles={"default": profile})
    results = tmp_path / "results"
    args = ["run", "--method", "finetune", "--bench", str(bench), "--results", str(results), "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    first = subprocess.Popen([sys.executable, "-m", "harness", *args], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _holds_lock_and_record(results, first.pid):
            assert first.poll() is None, "the first run ended before the second could start"
            time.sleep(0.1)
        assert main(args) == 3
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and f"is in progress (pid {first.pid} on host {socket.gethostname()})" in err
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    record = json.loads(next(results.glob("runs/*/*.json")).read_text())
    assert record["status"] == "running"  # the refused run did not touch it


def test_records_and_checkpoints_get_the_users_umask(tmp_path):
    from harness.checkpoint import save_checkpoint
    from leaderboard_records import make_record

    old = os.umask(0o027)
    try:
        path = make_record(tmp_path, "m", 0, [[0.5]], [[1.0]])
        save_checkpoint(tmp_path / "ck", 0, {"w": __import__("torch").zeros(2)}, {"task": 0})
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o640
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "ck").iterdir()} == {0o640}


def test_sweep_grid_is_deduplicated_by_record_path(tmp_path):
    from harness.runner import RunSpec
    from harness.sweep import expand

    bench = write_bench(tmp_path)
    (tmp_path / "copy").mkdir()
    copy = shutil.copy(bench, tmp_path / "copy" / bench.name)
    grid = expand(RunSpec(method="", bench="", results_dir=tmp_path / "r"), ["er"], [str(bench), str(copy)], [0, 1])
    assert grid.size == 2 and len({p.record_path for p in grid.todo}) == 2
