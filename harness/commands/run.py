"""`harness run`: train one method on one bench sequence, write its run record, print its results.

Records go to `my-results/` (or --results / HARNESS_RESULTS), apart from the published records
in `results/`. A run whose record is already complete is not run again: its summary is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from core.console import echo, say
from core.errors import RecordComplete, UsageError
from harness.folders import USER_RESULTS_ENV, user_results_default, writable_folder
from harness.hparams import parse_assignments
from harness.presets import apply_preset
from harness.record import read_record
from harness.run_log import parse_sinks


def available_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from harness.bench import BENCHES
    from harness.catalog import METHODS

    parser = subparsers.add_parser("run", help="run one method on one bench", description=__doc__)
    parser.add_argument("--method", help="one of: " + ", ".join(METHODS.names()))
    parser.add_argument("--preset", help="a named preset of the bench (its paper's method settings; see the bench YAML)")
    parser.add_argument("--bench", required=True, help="one of: " + ", ".join(BENCHES.names()) + " (or a bench YAML path)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--order-seed", type=int, default=None, help="shuffle a concept bench's task order with this seed (part of the run key)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override a method hparam")
    parser.add_argument("--profile", default="default", help="budget profile of the bench: default or smoke")
    parser.add_argument("--results", type=Path, default=None,
                        help=f"results folder (default: ${USER_RESULTS_ENV} or my-results; the published records live in results/)")
    parser.add_argument("--data-root", default=os.environ.get("HARNESS_DATA"), help="local dataset root (HARNESS_DATA)")
    parser.add_argument("--weights", default=None, help="local model folder for the bench's backbone (default: HARNESS_WEIGHTS/<backbone weights name>)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: all cores this process may use)")
    parser.add_argument("--force", action="store_true", help="overwrite a complete record / ignore an incomplete one")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.add_argument("--eval-rows", default=None, metavar="all|every-K",
                        help="score every seen task after every task (all), or only after every K-th task and the last, the just-learned task "
                             "always (every-K; part of the run key; default: the bench's eval_rows, else all)")
    parser.add_argument("--log", action="append", default=[], metavar="tensorboard|csv",
                        help="also log per-step loss and learning rate and each task's metrics beside the record: a TensorBoard "
                             "event folder (RECORD.tensorboard/, needs the tensorboard extra) or a plain CSV (RECORD.log.csv); repeatable")
    parser.add_argument("--all", dest="everything", action="store_true", help="print every metric's matrix and every forgetting definition, not only the headline result")
    parser.add_argument("--dry-run", action="store_true", help="print training steps, generated images and a wall-time estimate from a short calibration; run nothing")
    parser.set_defaults(handler=handle)


def _complete(path: Path, seed: int, everything: bool) -> int:
    from harness.commands.show import render

    say(f"run record {path} is already complete:\n")
    say(render(read_record(path), everything))
    say(f"\nto rerun it: add --force (overwrites this record), or run another seed with --seed {seed + 1}")
    return 0


def handle(args: argparse.Namespace) -> int:
    from harness.commands.show import render
    from harness.run_spec import RunSpec, prepare

    threads = available_cpus() if args.threads is None else args.threads
    if threads < 1:
        raise UsageError(f"--threads {args.threads} must be >= 1")
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed} must be >= 0")
    results = writable_folder(args.results if args.results is not None else user_results_default(), "--results")
    method, overrides = apply_preset(args.bench, args.preset, args.method, parse_assignments(args.overrides))
    spec = RunSpec(
        method=method,
        bench=args.bench,
        seed=args.seed,
        overrides=overrides,
        profile=args.profile,
        results_dir=results,
        data_root=args.data_root,
        weights=args.weights,
        order_seed=args.order_seed,
        device=args.device,
        force=args.force,
        progress=not args.no_progress and sys.stderr.isatty(),
        eval_rows=args.eval_rows,
        log=parse_sinks(args.log),
    )
    run = prepare(spec)  # a bad name or value fails here, before torch and the track's libraries load
    import torch

    from harness.runner import execute

    torch.set_num_threads(threads)
    if args.dry_run:
        from harness import dry_run

        say(dry_run.describe(run, dry_run.calibrate(run, echo)))
        return 0
    try:
        path = execute(spec, echo=echo)
    except RecordComplete as done:
        return _complete(done.path, args.seed, args.everything)
    say(render(read_record(path), args.everything))
    say(f"\nrecord: {path}")
    return 0
