"""`harness leaderboard`: versioned tables, page and figures from the complete run records.

Writes `<out>/v<N>/` (see harness/leaderboard/version.py for when N changes). With --check,
writes nothing: exits 1 and prints the difference when the committed folder is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.leaderboard import build, check


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("leaderboard", help="build (or --check) the versioned leaderboard", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=Path("results"), help="folder with runs/ and reported/ (default: results)")
    parser.add_argument("--out", type=Path, default=None, help="leaderboard folder (default: <results>/leaderboard)")
    parser.add_argument("--check", action="store_true", help="regenerate into a temporary folder and compare; exit 1 if stale")
    parser.set_defaults(handler=handle)


def _warn(message: str) -> None:
    print(f"harness: warning: {message}", file=sys.stderr)


def handle(args: argparse.Namespace) -> int:
    out = args.out if args.out is not None else args.results / "leaderboard"
    if args.check:
        report = check(args.results, out, _warn)
        if report:
            print("\n".join(report))
            print(f"harness: leaderboard {out} is stale: run `harness leaderboard --results {args.results} --out {out}` and commit the result", file=sys.stderr)
            return 1
        print(f"leaderboard {out} is up to date")
        return 0
    folder = build(args.results, out, _warn)
    print(f"wrote {folder}")
    return 0
