"""The continual loop: learn task t, checkpoint, evaluate every seen task, write the record.

A run is identified by (bench, method, full hparams, profile, seed); its record path is a
function of those, so `harness run` on an incomplete record resumes from the last finished
task and, with the same seed on the same device, writes the same metrics.
"""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import torch

from core.errors import HarnessError, RecordComplete, RunFailure, UsageError
from core.seeding import seeded_phase
from core.task_names import task_name
from harness.checkpoint import prune_checkpoints, save_checkpoint
from harness.environment import describe, pick_device
from harness.hparams import hparams_dict
from harness.method_context import TrainContext
from harness.record import SCHEMA_VERSION, read_record, write_record
from harness.resume import note_environment, restore
from harness.run_lock import hold_run_lock
from harness.run_log import RunLog, open_run_log
from harness.run_spec import PreparedRun, RunSpec, prepare
from harness.scoring import EvalNoise, score_row, write_row
from harness.tracks import TRACK_REGISTRY, BuildOptions, Evaluator
from metrics import METRICS
from metrics._registry import bench_metrics
from metrics.continual import summarize

if TYPE_CHECKING:
    from methods import Method  # annotations only: the runner gets method classes from the registry


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _fresh_record(run: PreparedRun, device: torch.device) -> dict[str, Any]:
    bench, size = run.bench, run.bench.num_tasks
    return {
        "schema_version": SCHEMA_VERSION,
        "status": "running",
        "error": None,
        "run_key": run.record_path.stem,
        "bench": {
            "name": bench.name, "version": bench.version, "spec_hash": bench.spec_hash, "profile": run.spec.profile,
            "track": bench.track, "tasks": TRACK_REGISTRY.get(bench.track).task_names(bench), "headline": list(bench.headline), "min_seeds": bench.min_seeds,
        },
        "method": {"name": run.spec.method, "hparams": hparams_dict(run.hparams), "hparams_hash": run.hparams_hash},
        "seed": run.spec.seed,
        **({} if run.spec.order_seed is None else {"order_seed": run.spec.order_seed}),
        "environment": describe(device),
        "tasks_done": 0,
        "timing": {"setup_s": 0.0, "per_task": [], "total_s": 0.0},
        "evaluation": {},
        "metrics": {
            name: {
                "higher_is_better": METRICS.get(name).higher_is_better,
                "description": METRICS.get(name).description,
                "kind": METRICS.get(name).kind,
                "matrix": [[None] * size for _ in range(size)],
            }
            for name in bench.metrics
        },
        **({"eval_rows": run.schedule.record_block(size)} if run.schedule.sparse else {}),
        "summary": None,
        "created_at": _now(),
        "updated_at": _now(),
    }


def _resumable(run: PreparedRun) -> dict[str, Any] | None:
    """The existing record to continue from, None to start afresh; refuses to clobber."""
    if not run.record_path.exists() or run.spec.force:
        return None
    record = read_record(run.record_path)
    if record["status"] == "complete":
        raise RecordComplete(run.record_path)
    if record["bench"]["spec_hash"] != run.bench.spec_hash:
        raise UsageError(
            f"run record {run.record_path} was made with another version of bench {run.bench.name} "
            f"(spec hash {record['bench']['spec_hash']} != {run.bench.spec_hash}): pass --force to start over"
        )
    return record


def execute(spec: RunSpec, echo: Callable[[str], None] = lambda line: None) -> Path:
    """Run (or resume) one run to completion, holding its lock; returns the record path."""
    run = prepare(spec)
    with hold_run_lock(run.record_path, run.checkpoint_dir, echo):
        return _execute_locked(run, echo)


def _execute_locked(run: PreparedRun, echo: Callable[[str], None]) -> Path:
    spec = run.spec
    started = time.perf_counter()
    previous = _resumable(run)
    device = pick_device(spec.device)
    try:
        record = previous or _fresh_record(run, device)
    except HarnessError:
        raise
    except Exception as exc:  # noqa: BLE001 - no record yet: the failure is the one line the command prints
        raise RunFailure(f"run {run.record_path.stem} could not start: {type(exc).__name__}: {' '.join(str(exc).split())}") from exc
    if previous:
        note_environment(record, describe(device), echo)
    record.update(status="running", error=None, updated_at=_now())
    write_record(run.record_path, record)
    try:
        track, options = TRACK_REGISTRY.get(run.bench.track), BuildOptions(spec.data_root, spec.weights, spec.order_seed, spec.seed)
        loaded = track.load(run.bench, options)
        tasks = loaded.tasks
        profile = run.bench.profile(spec.profile)
        with seeded_phase(spec.seed, "init", device=device):
            backbone = track.build_backbone(run.bench, loaded, options)
            regularization = track.regularization(run.bench, loaded, backbone, options)
            backbone = backbone.to(device)
        context = TrainContext(profile, spec.seed, device, len(tasks), loaded.num_classes, spec.progress, regularization)
        with seeded_phase(spec.seed, "method-init", device=device):
            method = run.method_cls(backbone, run.hparams, context)
        start = record["tasks_done"]
        if start > 0:
            state, start = restore(run.checkpoint_dir, record, echo)
            if state is None:
                record = _fresh_record(run, device)
            else:
                method.load_state_dict({k: v.to(device) if k.startswith("backbone.") else v for k, v in state.items()})
                echo(f"resuming {run.record_path} after task {start}/{len(tasks)}")
        setup_started = time.perf_counter()
        with seeded_phase(spec.seed, "evaluator", device=device):
            evaluator = track.evaluator(run.bench, loaded, profile, EvalNoise(spec.seed), device, run.record_path)
        evaluator.use_phrasing(method.prompt_phrasing())
        record["evaluation"] = evaluator.describe()
        record["timing"]["setup_s"] += time.perf_counter() - setup_started
        log = open_run_log(spec.log, run.record_path, start * profile.steps_per_task)
        try:
            for t in range(start, len(tasks)):
                _one_task(run, method, evaluator, tasks, t, record, echo, log)
        finally:
            log.close()
        record["summary"] = {
            name: summarize(entry["matrix"], entry["higher_is_better"], METRICS.get(name).kind) for name, entry in record["metrics"].items()
        }
        record["timing"]["total_s"] += time.perf_counter() - started
        record.update(status="complete", updated_at=_now())
        write_record(run.record_path, record)
        return run.record_path
    except HarnessError as exc:
        _mark_failed(run, record, str(exc))
        raise
    except Exception as exc:  # noqa: BLE001 - any crash must leave a record that says failed
        _mark_failed(run, record, f"{type(exc).__name__}: {exc}")
        raise RunFailure(f"run {run.record_path.stem} crashed: {type(exc).__name__}: {' '.join(str(exc).split())}") from exc


def _one_task(run: PreparedRun, method: Method, evaluator: Evaluator, tasks: list, t: int, record: dict[str, Any], echo, log: RunLog) -> None:
    seed, device, size = run.spec.seed, method.context.device, len(tasks)
    train_started = time.perf_counter()
    with log.training(), seeded_phase(seed, "learn", t, device=device):
        method.learn(tasks[t])
    train_s = time.perf_counter() - train_started
    eval_started = time.perf_counter()
    with seeded_phase(seed, "evaluate", t, device=device):
        row = score_row(evaluator, bench_metrics(run.bench), method.backbone, t, run.schedule.tasks_scored(t, size))
    eval_s = time.perf_counter() - eval_started
    write_row(record, row, size)
    log.scores(t, record["metrics"])
    _write_report(run, method, t, record)
    with seeded_phase(seed, "keep", t, device=device):  # what the track keeps may still sample (a lazy view)
        evaluator.after_task(method, row, record)
        if t == size - 1:
            evaluator.finish(run.record_path, row, record)
    checkpoint_started = time.perf_counter()
    digest = save_checkpoint(run.checkpoint_dir, t, method.state_dict(), {"task": t, "record": run.record_path.name})
    record["checkpoint_sha256"] = (list(record.get("checkpoint_sha256") or []) + [None] * t)[:t] + [digest]
    record["tasks_done"] = t + 1
    record["timing"]["per_task"].append(
        {"train_s": round(train_s, 3), "eval_s": round(eval_s, 3), "checkpoint_s": round(time.perf_counter() - checkpoint_started, 3)}
    )
    record["updated_at"] = _now()
    write_record(run.record_path, record)
    prune_checkpoints(run.checkpoint_dir, keep=t)
    headline = run.bench.headline[0]
    echo(f"task {t + 1}/{size}: {headline} " + " ".join("-" if v is None else f"{v:.3f}" for v in row.scores[headline]) + f"  ({train_s:.1f}s train, {eval_s:.1f}s eval)")


def _write_report(run: PreparedRun, method: Method, t: int, record: dict[str, Any]) -> None:
    """The method's report after task t (notes, parameter counts) and its exported adapter, into the record."""
    report = method.report()
    if report.notes:
        record["method"]["notes"] = report.notes
    if report.parameters is not None:
        trained, stored, total = report.parameters
        parameters = record.setdefault("parameters", {"backbone_unet": total, "trained_fraction": [], "stored_fraction": []})
        parameters["trained_fraction"][t:] = [trained / total]
        parameters["stored_fraction"][t:] = [stored / total]
    folder = run.record_path.parent / f"{record['run_key']}.adapters" / task_name(t, digits=2)
    exported = method.export_adapter(folder)
    if exported is not None:
        record.setdefault("adapters", [])[t:] = [str(folder.relative_to(run.record_path.parent) / exported)]


def _mark_failed(run: PreparedRun, record: dict[str, Any], message: str) -> None:
    record.update(status="failed", error=message, updated_at=_now())
    write_record(run.record_path, record)
