"""What names a run (RunSpec) and its resolution into bench, method class, hparams and record path.

Kept apart from the runner so that commands and sweeps can build and check run specs without torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import UsageError
from harness.bench import BenchSpec, load_bench
from harness.catalog import METHODS
from harness.eval_schedule import EvalSchedule, parse_schedule
from harness.hparams import build_hparams, hparams_dict, hparams_hash
from harness.record import checkpoint_dir, record_path


@dataclass(frozen=True)
class RunSpec:
    method: str
    bench: str
    seed: int = 0
    overrides: dict[str, str] = field(default_factory=dict)
    profile: str = "default"
    results_dir: Path = Path("results")
    data_root: str | None = None
    weights: str | None = None
    order_seed: int | None = None  # shuffles a concept bench's task order; part of the run key
    device: str = "cpu"
    force: bool = False
    progress: bool = False
    eval_rows: str | None = None  # 'all' or 'every-K'; None: the bench's eval_rows (part of the run key when sparse)
    log: tuple[str, ...] = ()  # experiment-tracker sinks (harness/run_log.py): tensorboard, csv; never part of the run key


@dataclass
class PreparedRun:
    spec: RunSpec
    bench: BenchSpec
    method_cls: type  # a methods.Method subclass
    hparams: Any
    hparams_hash: str
    record_path: Path
    checkpoint_dir: Path
    schedule: EvalSchedule = EvalSchedule()


def prepare(spec: RunSpec) -> PreparedRun:
    """Resolve names and hparams; every usage error surfaces here, before any work."""
    bench = load_bench(spec.bench)
    bench.profile(spec.profile)
    schedule = parse_schedule(spec.eval_rows if spec.eval_rows is not None else bench.eval_rows, "--eval-rows")
    method_cls = METHODS.get(spec.method)  # imports the method's file (and torch) only for a known name
    from harness.environment import pick_device
    from harness.tracks import TRACK_REGISTRY, BuildOptions

    if bench.track not in method_cls.tracks:
        raise UsageError(
            f"method {spec.method} supports tracks {', '.join(sorted(method_cls.tracks))}, "
            f"but bench {bench.name} is track {bench.track}: pick a bench of a supported track"
        )
    pick_device(spec.device)
    TRACK_REGISTRY.get(bench.track).check_ready(bench, BuildOptions(spec.data_root, spec.weights, spec.order_seed))
    hparams = build_hparams(spec.method, method_cls.Hparams, {**bench.method_hparams.get(spec.method, {}), **spec.overrides})
    digest = hparams_hash(hparams_dict(hparams))
    track = TRACK_REGISTRY.get(bench.track)
    if schedule.sparse and not track.sparse_rows:
        raise UsageError(f"--eval-rows {schedule.name}: the {bench.track} track evaluates every row; only 'all' is supported there")
    key = (spec.results_dir, bench.name, spec.method, digest, spec.profile, spec.seed, spec.order_seed, schedule.every)
    return PreparedRun(spec, bench, method_cls, hparams, digest, record_path(*key), checkpoint_dir(*key), schedule)
