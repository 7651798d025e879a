"""`harness sweep`: run a methods x benches x seeds grid through inline, local or SLURM executors.

Complete runs are skipped; an interrupted or preempted run resumes from its last task.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from harness.folders import user_results_default, writable_folder
from harness.hparams import parse_assignments


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from harness.sweep import EXECUTORS, RESOURCE_FIELDS

    parser = subparsers.add_parser("sweep", help="run a grid of methods x benches x seeds", description=__doc__)
    parser.add_argument("--methods", required=True, help="comma-separated method names")
    parser.add_argument("--benches", required=True, help="comma-separated bench names (or YAML paths)")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds or ranges, e.g. 0,1,2 or 0-9")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override a method hparam (all methods)")
    parser.add_argument("--profile", default="default", help="budget profile of every bench: default or smoke")
    parser.add_argument("--executor", default="local", help="one of: " + ", ".join(f"{name} ({kind.description})" for name, kind in EXECUTORS.items()))
    parser.add_argument("--slurm-partition", help="SLURM partition (default: the cluster's default)")
    for name in RESOURCE_FIELDS:
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int, help=f"per-job {name.replace('_', ' ')} (default: the bench's resources.{name})")
    parser.add_argument("--max-parallel", type=int, help="most jobs at once (local: worker processes, each running its share of the runs one after another; default cpus // --cpus; SLURM: array parallelism)")
    parser.add_argument("--max-wait-min", type=float, help="give up on a job after this many minutes per run in it (default: timeout x (1 + requeues) + 5)")
    parser.add_argument("--results", type=Path, default=None,
                        help="results folder (default: $HARNESS_RESULTS or my-results; pass --results results for records meant to be published)")
    parser.add_argument("--log-dir", type=Path, help="submitit logs (default: RESULTS/sweep-logs)")
    parser.add_argument("--data-root", default=os.environ.get("HARNESS_DATA"), help="local dataset root (HARNESS_DATA)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    parser.add_argument("--force", action="store_true", help="rerun complete runs too")
    parser.add_argument("--log", action="append", default=[], metavar="tensorboard|csv",
                        help="log each run beside its record (harness run --log): `tensorboard --logdir RESULTS/runs/BENCH` shows the sweep")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from core.errors import UsageError
    from harness.run_log import parse_sinks
    from harness.runner import RunSpec
    from harness.sweep import EXECUTORS, RESOURCE_FIELDS, LaunchOptions, expand, run_sweep, split_names, split_seeds

    EXECUTORS.get(args.executor)  # an unknown executor fails before any work
    for name in [*RESOURCE_FIELDS, "max_parallel"]:
        value = getattr(args, name)
        if value is not None and (value < 0 or (value == 0 and name != "gpus")):
            raise UsageError(f"--{name.replace('_', '-')} {value} must be {'>= 0' if name == 'gpus' else '> 0'}")
    if args.max_wait_min is not None and not (math.isfinite(args.max_wait_min) and args.max_wait_min > 0):
        raise UsageError(f"--max-wait-min {args.max_wait_min} must be a number > 0")
    results = writable_folder(args.results if args.results is not None else user_results_default(), "--results").resolve()
    template = RunSpec(
        method="", bench="", overrides=parse_assignments(args.overrides), profile=args.profile,
        results_dir=results, data_root=args.data_root, device=args.device, force=args.force, log=parse_sinks(args.log),
    )
    benches = [str(Path(b).resolve()) if b.endswith((".yaml", ".yml")) else b for b in split_names(args.benches, "benches")]
    grid = expand(template, split_names(args.methods, "methods"), benches, split_seeds(args.seeds))
    options = LaunchOptions(
        log_dir=(args.log_dir or results / "sweep-logs").resolve(),
        overrides={name: getattr(args, name) for name in RESOURCE_FIELDS},
        partition=args.slurm_partition,
        max_parallel=args.max_parallel,
        max_wait_min=args.max_wait_min,
    )
    summary = run_sweep(grid, args.executor, options, echo=lambda line: print(line, file=sys.stderr, flush=True))
    print("\n".join(summary.lines()))
    return 1 if summary.failed else 0
