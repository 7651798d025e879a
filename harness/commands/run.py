"""`harness run`: train one method on one bench sequence and write its run record."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from harness.hparams import parse_assignments
from harness.presets import apply_preset
from harness.runner import RunSpec, execute


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from harness.bench import BENCHES
    from methods import METHODS

    parser = subparsers.add_parser("run", help="run one method on one bench", description=__doc__)
    parser.add_argument("--method", help="one of: " + ", ".join(METHODS.names()))
    parser.add_argument("--preset", help="a named preset of the bench (its paper's method settings; see the bench YAML)")
    parser.add_argument("--bench", required=True, help="one of: " + ", ".join(BENCHES.names()) + " (or a bench YAML path)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override a method hparam")
    parser.add_argument("--profile", default="default", help="budget profile of the bench: default or smoke")
    parser.add_argument("--results", type=Path, default=Path(os.environ.get("HARNESS_RESULTS", "results")), help="results folder")
    parser.add_argument("--data-root", default=os.environ.get("HARNESS_DATA"), help="local dataset root (HARNESS_DATA)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    parser.add_argument("--force", action="store_true", help="overwrite a complete record / ignore an incomplete one")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    method, overrides = apply_preset(args.bench, args.preset, args.method, parse_assignments(args.overrides))
    spec = RunSpec(
        method=method,
        bench=args.bench,
        seed=args.seed,
        overrides=overrides,
        profile=args.profile,
        results_dir=args.results,
        data_root=args.data_root,
        device=args.device,
        force=args.force,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    path = execute(spec, echo=lambda line: print(line, file=sys.stderr))
    print(path)
    return 0
