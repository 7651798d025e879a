"""Time the leaderboard build on synthetic run records (default: 1,000).

    OMP_NUM_THREADS=1 .venv/bin/python scripts/leaderboard_timing.py [--records 1000] [--repeats 3]

Writes valid schema-v1 records (seeded score matrices, hparams hashes that match their hparams,
per-task timing on one of two devices, so every cost column is drawn) into a temporary results folder: BENCHES benches x METHODS methods x HPARAM_VALUES settings x
the seeds needed to reach --records. Then builds the whole leaderboard (tables, page, figures)
--repeats times and prints each wall time (and the CPU seconds it used, its own and its figure
workers', which do not depend on how busy a shared machine is), the min and the median, and
the time `import harness.leaderboard` takes in a fresh interpreter (target <= 0.5 s).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.hparams import hparams_hash  # noqa: E402
from harness.leaderboard import build  # noqa: E402
from harness.record import SCHEMA_VERSION, record_path, write_record  # noqa: E402
from metrics.continual import summarize  # noqa: E402

BENCHES, METHODS, HPARAM_VALUES, TASKS = 5, 10, 4, 5
METRICS = {"judge_accuracy": True, "judge_fd": False, "judge_kid": False, "classifier_uncertainty": False}


def _matrix(rng: np.random.Generator, level: float, higher_is_better: bool) -> list[list[float | None]]:
    drift = rng.uniform(0.02, 0.2) * level
    sign = -1.0 if higher_is_better else 1.0  # scores get worse down each column
    return [[float(level + sign * drift * (t - i) + rng.normal(0, 0.02 * level)) if i <= t else None for i in range(TASKS)]
            for t in range(TASKS)]


def write_records(results: Path, count: int, seed: int = 0) -> int:
    rng = np.random.default_rng(seed)
    configs = [(b, m, h) for b in range(BENCHES) for m in range(METHODS) for h in range(HPARAM_VALUES)]
    seeds = -(-count // len(configs))
    written = 0
    for seed_index in range(seeds):
        for bench_index, method_index, value_index in configs:
            if written == count:
                return written
            bench, method = f"synthetic-{bench_index}", f"method-{method_index}"
            hparams = {"coef": [0.01, 0.1, 1.0, 10.0][value_index]}
            digest = hparams_hash(hparams)
            metrics = {}
            for name, higher in METRICS.items():
                level = rng.uniform(0.2, 0.95) if higher else rng.uniform(1.0, 500.0)
                metrics[name] = {"higher_is_better": higher, "description": f"synthetic {name}", "matrix": _matrix(rng, level, higher)}
            record = {
                "schema_version": SCHEMA_VERSION, "status": "complete", "error": None,
                "run_key": f"{method}-{digest}-default-seed{seed_index}",
                "bench": {"name": bench, "version": 1, "spec_hash": f"{bench_index:016x}", "profile": "default", "track": "class-gen",
                          "tasks": [f"task {t}" for t in range(TASKS)], "headline": ["judge_accuracy", "judge_fd"], "min_seeds": 3},
                "method": {"name": method, "hparams": hparams, "hparams_hash": digest},
                "seed": seed_index, "environment": {"harness_version": "0.1.0", "device": ["cpu:x86_64", "cuda:NVIDIA H100"][bench_index % 2],
                                                    "threads": 2},
                "timing": {"setup_s": 0.1, "total_s": 0.0, "per_task": [{"train_s": float(rng.uniform(1, 100)), "eval_s": float(rng.uniform(0.1, 10)),
                                                                       "checkpoint_s": 0.01} for _ in range(TASKS)]},
                "tasks_done": TASKS,
                "metrics": metrics,
                "summary": {name: summarize(entry["matrix"], entry["higher_is_better"]) for name, entry in metrics.items()},
                "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01T00:00:00+00:00",
            }
            write_record(record_path(results, bench, method, digest, "default", seed_index), record)
            written += 1
    return written


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load() -> tuple[float, ...]:
    return os.getloadavg() if hasattr(os, "getloadavg") else ()


def _interpreter_seconds(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    return time.perf_counter() - started


def import_seconds(repeats: int = 3) -> tuple[list[float], list[float]]:
    """Wall seconds of `python -c "import harness.leaderboard"` in fresh interpreters, and of `python -c pass` beside it."""
    return ([_interpreter_seconds("import harness.leaderboard") for _ in range(repeats)],
            [_interpreter_seconds("pass") for _ in range(repeats)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leaderboard-timing.") as scratch:
        results = Path(scratch) / "results"
        count = write_records(results, args.records)
        times, cpu = [], []
        for repeat in range(args.repeats):
            cpu_started, started = _cpu_seconds(), time.perf_counter()
            build(results, Path(scratch) / "leaderboard", lambda message: print(f"warning: {message}", file=sys.stderr))
            times.append(time.perf_counter() - started)
            cpu.append(_cpu_seconds() - cpu_started)
            print(f"build {repeat + 1}: {times[-1]:.2f} s wall, {cpu[-1]:.2f} CPU s", flush=True)
        print(f"{count} records, {BENCHES} benches: leaderboard build wall min {min(times):.2f} s, median {statistics.median(times):.2f} s; "
              f"CPU min {min(cpu):.2f} s, median {statistics.median(cpu):.2f} s; load average {' '.join(f'{v:.1f}' for v in _load())}")
    imports, bare = import_seconds(args.repeats)
    print(f"python -c 'import harness.leaderboard': min {min(imports):.3f} s, median {statistics.median(imports):.3f} s "
          f"(python -c pass: min {min(bare):.3f} s)")


if __name__ == "__main__":
    main()
