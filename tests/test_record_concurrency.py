"""Many processes writing records into one results folder at once lose nothing."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from harness.hparams import hparams_hash
from harness.record import read_record, write_record

WRITERS = 12
ROUNDS = 40


HPARAMS = {"lr_scale": 1.0}


def _record(writer: int, round_index: int, padding: int) -> dict:
    # records of very different sizes make a torn write (old tail behind a new head) visible
    digest = hparams_hash(HPARAMS)
    return {
        "schema_version": 1, "status": "running", "run_key": f"w{writer}-{digest}-default-seed{writer}",
        "bench": {"name": "toy", "version": 1, "spec_hash": "0123456789abcdef", "profile": "default", "tasks": ["a"], "headline": ["m"]},
        "method": {"name": f"w{writer}", "hparams": HPARAMS, "hparams_hash": digest}, "seed": writer, "environment": {},
        "tasks_done": 0, "metrics": {"m": {"higher_is_better": True, "matrix": [[None]]}}, "evaluation": {"round": round_index, "padding": "x" * padding},
    }


def _writer(folder: str, writer: int, barrier: multiprocessing.synchronize.Barrier) -> None:
    folder_path = Path(folder)
    barrier.wait()
    for round_index in range(ROUNDS):
        write_record(folder_path / f"own-{writer}.json", _record(writer, round_index, 10 * round_index))
        padding = 20_000 if (writer + round_index) % 2 else 3
        write_record(folder_path / "shared.json", _record(writer, round_index, padding))


def _reader(folder: str, barrier: multiprocessing.synchronize.Barrier, torn: multiprocessing.Value) -> None:
    barrier.wait()
    shared = Path(folder) / "shared.json"
    for _ in range(ROUNDS * 20):
        try:
            json.loads(shared.read_text())
        except FileNotFoundError:
            continue
        except json.JSONDecodeError:
            with torn.get_lock():
                torn.value += 1


def test_concurrent_writers_lose_nothing_and_leave_no_partial_files(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    folder = tmp_path / "runs" / "bench"
    barrier = context.Barrier(WRITERS + 1)
    torn = context.Value("i", 0)
    processes = [context.Process(target=_writer, args=(str(folder), w, barrier)) for w in range(WRITERS)]
    processes.append(context.Process(target=_reader, args=(str(folder), barrier, torn)))
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert torn.value == 0, f"a reader saw {torn.value} half-written records"
    for writer in range(WRITERS):
        record = read_record(folder / f"own-{writer}.json")
        assert record["evaluation"]["round"] == ROUNDS - 1 and record["evaluation"]["padding"] == "x" * 10 * (ROUNDS - 1)
    last = read_record(folder / "shared.json")
    assert last["evaluation"]["round"] == ROUNDS - 1 and last["method"]["name"] in {f"w{w}" for w in range(WRITERS)}
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"own-{w}.json" for w in range(WRITERS)] + ["shared.json"])
