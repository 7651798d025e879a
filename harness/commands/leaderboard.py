"""`harness leaderboard`: versioned tables, page and figures from the complete run records.

Writes `<out>/v<N>/` (see harness/leaderboard/version.py for when N changes). With --check,
writes nothing: exits 1 and prints the difference when the committed folder is stale.
Reads only the published records in `<results>/runs/` (default `results/`), never a user's own
runs (`my-results/`). With no complete record it refuses to write (exit 1) unless --allow-empty.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.console import say, warn
from harness.folders import PUBLISHED_RESULTS, readable_folder, writable_folder


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("leaderboard", help="build (or --check) the versioned leaderboard", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=PUBLISHED_RESULTS, help="folder with runs/ and reported/ (default: results)")
    parser.add_argument("--out", type=Path, default=None, help="leaderboard folder (default: <results>/leaderboard)")
    parser.add_argument("--check", action="store_true", help="regenerate into a temporary folder and compare; exit 1 if stale")
    parser.add_argument("--allow-empty", action="store_true", help="write a leaderboard even when no complete run record is found")
    parser.set_defaults(handler=handle)


def _warn(message: str) -> None:
    warn(message)


def handle(args: argparse.Namespace) -> int:
    from harness.leaderboard import build, check
    from harness.leaderboard.load import load_runs
    from harness.leaderboard.version import LEADERBOARD_VERSION

    readable_folder(args.results, "--results")
    out = args.out if args.out is not None else args.results / "leaderboard"
    if args.check:
        report = check(args.results, out, _warn)
        if report:
            say("\n".join(report))
            print(f"harness: leaderboard {out} is stale: run `harness leaderboard --results {args.results} --out {out}` and commit the result", file=sys.stderr)
            return 1
        say(f"leaderboard {out} is up to date")
        return 0
    writable_folder(out, "--out")
    skipped: list[str] = []
    if not args.allow_empty and not load_runs(args.results, skipped.append):
        for message in skipped:  # why the records found do not count
            _warn(message)
        published = out / f"v{LEADERBOARD_VERSION}"
        kept = f"; {published} is left as published" if published.exists() else ""
        print(f"harness: error: no complete run record under {args.results / 'runs'}: nothing to publish{kept} (pass --allow-empty to write an empty leaderboard)",
              file=sys.stderr)
        return 1
    folder = build(args.results, out, _warn)
    say(f"wrote {folder}")
    return 0
