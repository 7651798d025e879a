"""`harness` console script: one subcommand per module in `harness.commands`."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

# Before torch (and its libgomp) loads: libgomp's default busy-wait makes a 2-thread run ~20x slower
# when another process holds a core (smoke ER run 373 s instead of 17 s); passive waiting after a
# short spin keeps the quiet speed (split-digits step 40-42 ms vs 42-48 ms) and gives 58 s there.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GOMP_SPINCOUNT", "30000")

from core.console import _silence, echo
from core.errors import HarnessError
from harness import __version__
from harness.commands import COMMANDS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"harness: error: {message} (see harness {self.prog.split()[-1]} --help)\n" if " " in self.prog else f"harness: error: {message} (see harness --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="harness", description="Benchmark harness for continual learning of generative models.")
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except HarnessError as exc:
        echo(f"harness: error: {exc}")
        return exc.exit_code
    except BrokenPipeError:  # the reader closed stdout (`| head`): its choice, not a failure
        echo("harness: stdout was closed by its reader; the rest of the output is dropped")
        _silence(sys.stdout)
        return 0
    except KeyboardInterrupt:
        print("harness: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
